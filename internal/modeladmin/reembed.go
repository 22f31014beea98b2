package modeladmin

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/civitas-eu/civitas/internal/audit"
	"github.com/civitas-eu/civitas/internal/ollama"
	"github.com/civitas-eu/civitas/internal/store"
)

// ReportFunc receives a re-embed's progress: chunks with a vector from the
// new model out of all current chunks. An error stops the re-embed.
type ReportFunc func(ctx context.Context, done, total int64, msg string) error

// ReembedResult is what a finished re-embed did.
type ReembedResult struct {
	Model    string `json:"model"`
	Embedded int64  `json:"embedded"` // vectors added by this run
	Total    int64  `json:"total"`    // current chunks
	Switched bool   `json:"switched"` // false when the model was already active
	// Golden compares the golden questions' scores with the old and the
	// new model; nil when there are none (or no switch was due).
	Golden *GoldenComparison `json:"golden,omitempty"`
	// AwaitingConfirmation: the new model fared worse on the golden
	// questions, so the switch was not made; ConfirmReembed makes it.
	AwaitingConfirmation bool              `json:"awaiting_confirmation,omitempty"`
	Forced               bool              `json:"forced,omitempty"` // switched on the admin's confirmation
	Change               store.ModelChange `json:"-"`
	Duration             time.Duration     `json:"-"`
}

// maxFlipTries bounds how often a re-embed catches up with chunks ingested
// while it ran before giving up on the switch; each try embeds only what
// arrived during the previous one.
const maxFlipTries = 10

// Reembed gives every current chunk a vector from model name, then makes it
// the active embedding model. Queries search the old model's vectors until
// the switch, which happens in the transaction that verifies no current
// chunk lacks a vector from the new model (store.SwitchEmbedModel); chunks
// ingested meanwhile make it fail, and are embedded before the next try.
//
// It is resumable by construction: each batch selects chunks that have no
// vector from the model yet, and inserting leaves existing vectors alone,
// so a run killed at any point and started again does only what is left.
// Batches are ReembedBatch chunks with ReembedPause between them, so that
// chat requests get Ollama in between.
//
// After the switch, one more pass embeds chunks that an ingest wrote with
// the old model between the verification and the commit. Re-embedding the
// model that is already active does only that catch-up.
//
// Before the switch, the golden questions guard it (golden.go): when the
// new model scores worse on them than the active one, the switch waits
// for the admin (AwaitingConfirmation), unless opts.Force.
func (s *Service) Reembed(ctx context.Context, name, by string, report ReportFunc) (ReembedResult, error) {
	return s.ReembedWith(ctx, name, by, ReembedOptions{}, report)
}

// ReembedOptions change how Reembed switches.
type ReembedOptions struct {
	// Force switches even when the golden questions fare worse with the
	// new model: the admin's confirmation.
	Force bool
}

// ReembedWith is Reembed with options.
func (s *Service) ReembedWith(ctx context.Context, name, by string, opts ReembedOptions, report ReportFunc) (ReembedResult, error) {
	start := time.Now()
	if report == nil {
		report = func(context.Context, int64, int64, string) error { return nil }
	}
	m, err := s.PrepareEmbed(ctx, name)
	if err != nil {
		return ReembedResult{}, err
	}
	res := ReembedResult{Model: m.Name}
	total, done, err := s.st.EmbeddingCoverage(ctx, m)
	if err != nil {
		return res, fmt.Errorf("models: %w", err)
	}
	res.Total = total
	if err := report(ctx, done, total, "embedding chunks with "+m.Name); err != nil {
		return res, err
	}
	active, err := EmbedModelFor(ctx, s.st, "", nil)
	if err != nil {
		return res, err
	}
	already := active == m.Name

	for try := 1; ; try++ {
		n, err := s.embedMissing(ctx, m, &done, &total, report)
		res.Embedded += n
		if err != nil {
			return res, err
		}
		if already {
			break
		}
		if try == 1 && active != "" {
			if res.Golden, err = s.guard(ctx, active, m); err != nil {
				return res, err
			}
			if res.Golden != nil && res.Golden.Worse {
				if !opts.Force {
					res.AwaitingConfirmation = true
					res.Duration = time.Since(start)
					if err := s.holdSwitch(ctx, m, res.Golden); err != nil {
						return res, err
					}
					return res, report(ctx, done, total, "awaiting confirmation: "+m.Name+" scores worse on the golden questions")
				}
				res.Forced = true
			}
		}
		res.Change, err = s.st.SwitchEmbedModel(ctx, m, by, fmt.Sprintf("re-embedded %d chunks", total))
		if err == nil {
			res.Switched = true
			break
		}
		if !errors.Is(err, store.ErrIncomplete) || try >= maxFlipTries {
			return res, fmt.Errorf("models: %w", err)
		}
		s.log.Info("chunks arrived during the re-embed; catching up before switching", "model", m.Name, "try", try)
	}
	if res.Switched {
		s.log.Info("embedding model switched", "from", res.Change.From, "to", res.Change.To, "by", by, "chunks", total)
		if err := s.active.Refresh(ctx); err != nil {
			s.log.Warn("switched, but cannot reload the active models; the periodic refresh will", "err", err)
		}
		n, err := s.embedMissing(ctx, m, &done, &total, report)
		res.Embedded += n
		if err != nil {
			return res, err
		}
	}
	res.Total = total
	res.Duration = time.Since(start)
	return res, report(ctx, done, total, "done")
}

// embedMissing embeds, in id order, every current chunk that has no vector
// from m, and returns how many vectors it added. done and total are kept
// up to date for progress reports.
func (s *Service) embedMissing(ctx context.Context, m store.EmbeddingModel, done, total *int64, report ReportFunc) (int64, error) {
	var added, after int64
	for {
		chunks, err := s.st.ChunksToReembed(ctx, m, after, s.cfg.ReembedBatch)
		if err != nil {
			return added, fmt.Errorf("models: %w", err)
		}
		if len(chunks) == 0 {
			break
		}
		ids := make([]int64, len(chunks))
		texts := make([]string, len(chunks))
		for i, c := range chunks {
			ids[i], texts[i] = c.ID, c.Content
		}
		vecs, err := s.llm.Embed(ctx, m.Name, texts)
		if err != nil {
			return added, fmt.Errorf("models: re-embed chunks %d-%d: %w", ids[0], ids[len(ids)-1], err)
		}
		n, err := s.st.InsertMissingEmbeddings(ctx, m, ids, vecs)
		if err != nil {
			return added, fmt.Errorf("models: %w", err)
		}
		added += n
		*done += n
		after = ids[len(ids)-1]
		if *done > *total { // chunks were ingested meanwhile
			*total = *done
		}
		if err := report(ctx, *done, *total, "embedding chunks with "+m.Name); err != nil {
			return added, err
		}
		if err := pause(ctx, s.cfg.ReembedPause); err != nil {
			return added, err
		}
	}
	t, d, err := s.st.EmbeddingCoverage(ctx, m)
	if err != nil {
		return added, fmt.Errorf("models: %w", err)
	}
	*total, *done = t, d
	return added, nil
}

// pause waits d, or until ctx is done.
func pause(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// DropEmbeddings deletes the stored vectors, index and registration of an
// embedding model that is not active, and returns how many vectors went.
func (s *Service) DropEmbeddings(ctx context.Context, name string) (int64, error) {
	name = ollama.CanonicalName(name)
	if err := checkName(name); err != nil {
		return 0, err
	}
	n, err := s.st.DropEmbeddings(ctx, name)
	if errors.Is(err, store.ErrActiveModel) {
		return 0, refused(ErrActive, "%s is the active embedding model: switch to another one first", name)
	}
	if err != nil {
		return 0, fmt.Errorf("models: %w", err)
	}
	s.log.Info("embeddings dropped", "model", name, "vectors", n)
	return n, s.record(ctx, audit.ActionEmbeddingsDropped, name, map[string]string{"vectors": strconv.FormatInt(n, 10)})
}
