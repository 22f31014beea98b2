package modeladmin

import (
	"context"
	"errors"
	"fmt"

	"github.com/civitas-eu/civitas/internal/ollama"
	"github.com/civitas-eu/civitas/internal/store"
)

// probeMessage is the probe chat: any reply at all proves the model loads
// and generates.
const probeMessage = "Reply with the word OK."

// UseChat switches the active chat model to name once it has proved
// usable: it is installed and answers a short probe chat within
// Config.ProbeTimeout. The switch is recorded with who made it and the
// digests on both sides. Answers already running finish on the old model;
// this process's next answers use the new one at once, other replicas'
// within their refresh interval.
func (s *Service) UseChat(ctx context.Context, name, by string) (store.ModelChange, error) {
	name = ollama.CanonicalName(name)
	if err := checkName(name); err != nil {
		return store.ModelChange{}, err
	}
	info, err := s.installed(ctx, name)
	if err != nil {
		return store.ModelChange{}, err
	}
	pctx, cancel := context.WithTimeout(ctx, s.cfg.ProbeTimeout)
	defer cancel()
	zero := 0.0
	stats, err := s.llm.ChatStream(pctx, name, []ollama.Message{{Role: "user", Content: probeMessage}},
		ollama.ChatOptions{Temperature: &zero, NumPredict: 4}, func(string) error { return nil })
	if err == nil && stats == (ollama.ChatStats{}) {
		err = errors.New("the probe chat ended without its final frame")
	}
	if err != nil {
		if ctx.Err() != nil {
			return store.ModelChange{}, fmt.Errorf("models: probe %s: %w", name, ctx.Err())
		}
		return store.ModelChange{}, refused(err, "%s did not answer a probe chat within %s", name, s.cfg.ProbeTimeout)
	}
	c, err := s.st.SetActiveModel(ctx, store.ModelChange{Role: store.RoleChat, To: name, ToDigest: info.Digest, By: by})
	if err != nil {
		return c, fmt.Errorf("models: %w", err)
	}
	s.log.Info("chat model switched", "from", c.From, "to", c.To, "from_digest", c.FromDigest, "to_digest", c.ToDigest, "by", by)
	if err := s.active.Refresh(ctx); err != nil {
		s.log.Warn("switched, but cannot reload the active models; the periodic refresh will", "err", err)
	}
	return c, nil
}

// installed returns what Show says of name, refusing a model that is not
// installed.
func (s *Service) installed(ctx context.Context, name string) (ollama.ModelInfo, error) {
	info, err := s.llm.Show(ctx, name)
	switch {
	case errors.Is(err, ollama.ErrModelNotFound):
		return info, refused(err, "%s is not installed: pull or import it first", name)
	case errors.Is(err, ollama.ErrUnavailable):
		return info, refused(err, "Ollama does not answer, so %s cannot be checked", name)
	case err != nil:
		return info, fmt.Errorf("models: %w", err)
	}
	return info, nil
}

// PrepareEmbed checks that name can serve as the embedding model (it is
// installed and returns a vector) and registers it, which creates its
// partial HNSW index, so that a re-embed can start. Called before a
// re-embed is queued, it turns a hopeless switch into an immediate
// refusal instead of a failed background job.
func (s *Service) PrepareEmbed(ctx context.Context, name string) (store.EmbeddingModel, error) {
	name = ollama.CanonicalName(name)
	if err := checkName(name); err != nil {
		return store.EmbeddingModel{}, err
	}
	info, err := s.installed(ctx, name)
	if err != nil {
		return store.EmbeddingModel{}, err
	}
	pctx, cancel := context.WithTimeout(ctx, s.cfg.ProbeTimeout)
	defer cancel()
	dims, err := s.llm.EmbeddingDimensions(pctx, name)
	if err != nil {
		if ctx.Err() != nil {
			return store.EmbeddingModel{}, fmt.Errorf("models: probe %s: %w", name, ctx.Err())
		}
		return store.EmbeddingModel{}, refused(err, "%s did not return an embedding within %s", name, s.cfg.ProbeTimeout)
	}
	m, err := s.st.RegisterEmbeddingModel(ctx, name, dims, info.Digest)
	if errors.Is(err, store.ErrDimensionMismatch) {
		return m, refused(err, "%s now embeds with %d dimensions but has vectors of another dimension stored: drop its embeddings first", name, dims)
	}
	if err != nil {
		return m, fmt.Errorf("models: %w", err)
	}
	return m, nil
}
