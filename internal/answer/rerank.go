package answer

import (
	"context"
	"fmt"
	"time"

	"github.com/civitas-eu/civitas/internal/retrieve"
)

// Reranker reorders retrieved passages by their relevance to the
// question, best first, keeping its own top n; *rerank.Client implements
// it. It may drop passages but never invents one. Name says which
// reranker it is, for the answer record.
type Reranker interface {
	Rerank(ctx context.Context, question string, passages []retrieve.Passage) ([]retrieve.Passage, error)
	Name() string
}

// rerank reorders the retrieved passages with the configured reranker,
// recording its time and name in d. A reranker that fails costs the
// answer nothing but its time: the fused order is kept (cut to K), the
// failure logged (and counted by the reranker's metrics). It fails only
// when ctx is done. Whole documents and empty lists are left as they are.
func (s *Service) rerank(ctx context.Context, question string, passages []retrieve.Passage, d *Done) ([]retrieve.Passage, error) {
	if s.cfg.Reranker == nil || len(passages) == 0 || d.RetrievalMode == RetrievalWholeDocument {
		return passages, nil
	}
	start := time.Now()
	out, err := s.cfg.Reranker.Rerank(ctx, question, passages)
	d.Timings.Rerank = time.Since(start)
	switch {
	case ctx.Err() != nil:
		return nil, fmt.Errorf("answer: rerank: %w", ctx.Err())
	case err != nil:
		s.log.Warn("reranker failed: keeping the fused order", "reranker", s.cfg.Reranker.Name(), "err", err)
		return passages[:min(len(passages), s.cfg.K)], nil
	}
	d.Reranker = s.cfg.Reranker.Name()
	return out, nil
}
