package insight_test

import (
	"testing"

	"github.com/civitas-eu/civitas/internal/dbtest"
	"github.com/civitas-eu/civitas/internal/insight"
	"github.com/civitas-eu/civitas/internal/sqlfile/sqlfiletest"
)

// TestEveryInsightQueryPrepares has PostgreSQL prepare every named query
// of sql/*.sql against the migrated schema, and checks that every name
// the Go code looks up exists and every query is used.
func TestEveryInsightQueryPrepares(t *testing.T) {
	t.Parallel()
	q, err := insight.LoadQueries()
	if err != nil {
		t.Fatal(err)
	}
	sqlfiletest.CheckNames(t, ".", q, "Get")
	sqlfiletest.CheckPrepared(t, dbtest.Tx(t), q, nil)
}
