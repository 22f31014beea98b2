package store

import (
	"context"
	"strings"
	"testing"
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
