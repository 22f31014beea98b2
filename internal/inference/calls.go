package inference

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/civitas-eu/civitas/internal/ollama"
)

// ChatStream streams the answer of the least busy chat host. A host that
// fails before the first token is taken out and the chat starts again on
// another; after the first token the error is returned, as a retry would
// repeat text the caller has already shown.
func (p *Pool) ChatStream(ctx context.Context, model string, messages []ollama.Message, opts ollama.ChatOptions, onToken func(string) error) (ollama.ChatStats, error) {
	var stats ollama.ChatStats
	started := false
	err := p.do(ctx, func(b Backend) error {
		var err error
		stats, err = b.ChatStream(ctx, model, messages, opts, func(s string) error {
			started = true
			return onToken(s)
		})
		return err
	}, func() bool { return !started })
	return stats, err
}

// Show returns a model's details from the first host that has it.
func (p *Pool) Show(ctx context.Context, model string) (ollama.ModelInfo, error) {
	var info ollama.ModelInfo
	err := p.do(ctx, func(b Backend) error {
		var err error
		info, err = b.Show(ctx, model)
		return err
	}, nil)
	return info, err
}

// Version returns the version of the first host that answers.
func (p *Pool) Version(ctx context.Context) (string, error) {
	var v string
	err := p.do(ctx, func(b Backend) error {
		var err error
		v, err = b.Version(ctx)
		return err
	}, nil)
	return v, err
}

// List returns the models of every host that answers, each name once (as
// the first host in configured order lists it); it fails only when no
// host answers.
func (p *Pool) List(ctx context.Context) ([]ollama.Installed, error) {
	lists := make([][]ollama.Installed, len(p.hosts))
	errs := make([]error, len(p.hosts))
	var wg sync.WaitGroup
	for i, h := range p.hosts {
		wg.Go(func() {
			lists[i], errs[i] = h.b.List(ctx)
			switch {
			case errs[i] == nil:
				p.succeed(h)
			case ctx.Err() == nil && errors.Is(errs[i], ollama.ErrUnavailable):
				p.fail(h, errs[i])
			}
		})
	}
	wg.Wait()
	var out []ollama.Installed
	seen := map[string]bool{}
	answered := false
	for i, l := range lists {
		if errs[i] != nil {
			continue
		}
		answered = true
		for _, m := range l {
			if !seen[m.Name] {
				seen[m.Name] = true
				out = append(out, m)
			}
		}
	}
	if !answered {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

// Embed returns one vector per text, in the order of texts. The texts are
// cut into one part per healthy host (at most EmbedBatch texts each),
// embedded concurrently on the least busy hosts; a part whose host fails
// is embedded again on another.
func (p *Pool) Embed(ctx context.Context, model string, texts []string) ([][]float32, error) {
	workers := max(p.healthy(), 1)
	size := min(p.cfg.EmbedBatch, max((len(texts)+workers-1)/workers, 1))
	out := make([][]float32, len(texts))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(workers)
	for start := 0; start < len(texts); start += size {
		end := min(start+size, len(texts))
		g.Go(func() error {
			var vecs [][]float32
			err := p.do(gctx, func(b Backend) error {
				var err error
				vecs, err = b.Embed(gctx, model, texts[start:end])
				return err
			}, nil)
			if err != nil {
				return fmt.Errorf("embed texts %d-%d of %d: %w", start+1, end, len(texts), err)
			}
			if len(vecs) != end-start {
				return fmt.Errorf("embed texts %d-%d of %d with %s: got %d vectors", start+1, end, len(texts), model, len(vecs))
			}
			copy(out[start:end], vecs)
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return out, nil
}

// EmbeddingDimensions embeds one probe text and returns its length.
func (p *Pool) EmbeddingDimensions(ctx context.Context, model string) (int, error) {
	v, err := p.Embed(ctx, model, []string{"dimension probe"})
	if err != nil {
		return 0, err
	}
	if len(v) != 1 || len(v[0]) == 0 {
		return 0, fmt.Errorf("inference embed %s: empty embedding", model)
	}
	return len(v[0]), nil
}
