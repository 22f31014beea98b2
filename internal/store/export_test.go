package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// ExplainRetrieve returns the query plan of a vector ("vector") or hybrid
// ("hybrid") retrieval, run with the same settings as the search itself,
// for checking that the model's HNSW index is used.
func (s *Store) ExplainRetrieve(ctx context.Context, mode string, m EmbeddingModel, q RetrieveQuery) (string, error) {
	return s.explain(ctx, "EXPLAIN ", mode, m, q)
}

// ExplainAnalyzeRetrieve is ExplainRetrieve run with EXPLAIN ANALYZE, for
// finding where a benchmark's time goes (CIVITAS_BENCH_EXPLAIN).
func (s *Store) ExplainAnalyzeRetrieve(ctx context.Context, mode string, m EmbeddingModel, q RetrieveQuery) (string, error) {
	return s.explain(ctx, "EXPLAIN (ANALYZE, BUFFERS OFF, TIMING ON) ", mode, m, q)
}

func (s *Store) explain(ctx context.Context, prefix, mode string, m EmbeddingModel, q RetrieveQuery) (string, error) {
	name := map[string]string{"vector": "RetrieveVector", "hybrid": "RetrieveHybrid", "lexical": "RetrieveLexical"}[mode]
	if name == "" {
		return "", fmt.Errorf("store: explain retrieval: unknown mode %q", mode)
	}
	if mode != "lexical" {
		if err := m.checkVector(q.Vector); err != nil {
			return "", fmt.Errorf("store: explain retrieval: %w", err)
		}
	}
	q = q.withDefaults()
	args := q.args(mode)
	var plan []string
	err := s.inSearchTx(ctx, q, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, prefix+s.retrieveSQL(name, m), args)
		if err != nil {
			return err
		}
		plan, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	if err != nil {
		return "", fmt.Errorf("store: explain %s retrieval: %w", mode, err)
	}
	return strings.Join(plan, "\n"), nil
}
