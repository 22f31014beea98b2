package store

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// ExplainVectorSearch returns the plan of SearchVector for model m. With
// sequential scans and sorts disabled, the plan shows whether the query's shape lets
// the planner use the model's HNSW index at all (a tiny test table would
// otherwise always be scanned).
func (s *Store) ExplainVectorSearch(tb testing.TB, m EmbeddingModel) string {
	tb.Helper()
	ctx := context.Background()
	for _, set := range []string{"SET LOCAL enable_seqscan = off", "SET LOCAL enable_sort = off"} {
		if _, err := s.db.Exec(ctx, set); err != nil {
			tb.Fatal(err)
		}
	}
	rows, err := s.db.Query(ctx, "EXPLAIN "+m.sql(s.q("SearchVector")), m.ID, VectorLiteral(make([]float32, m.Dimensions)), 5)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			tb.Fatal(err)
		}
		plan = append(plan, line)
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	return strings.Join(plan, "\n")
}

// ExplainRetrieve returns the query plan of a vector ("vector") or hybrid
// ("hybrid") retrieval, run with the same settings as the search itself,
// for checking that the model's HNSW index is used.
func (s *Store) ExplainRetrieve(ctx context.Context, mode string, m EmbeddingModel, q RetrieveQuery) (string, error) {
	name := map[string]string{"vector": "RetrieveVector", "hybrid": "RetrieveHybrid"}[mode]
	if name == "" {
		return "", fmt.Errorf("store: explain retrieval: unknown mode %q", mode)
	}
	if err := m.checkVector(q.Vector); err != nil {
		return "", fmt.Errorf("store: explain retrieval: %w", err)
	}
	q = q.withDefaults()
	args := q.args(mode)
	var plan []string
	err := s.inSearchTx(ctx, q, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, "EXPLAIN "+s.retrieveSQL(name, m), args)
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
