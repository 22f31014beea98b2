package sources_test

import (
	"testing"

	"github.com/civitas-eu/civitas/internal/dbtest"
	"github.com/civitas-eu/civitas/internal/sources"
	"github.com/civitas-eu/civitas/internal/sqlfile/sqlfiletest"
)

// TestEverySourcesQueryPrepares has PostgreSQL prepare every named query
// of queries.sql against the migrated schema, and checks that every name
// the Go code looks up exists and every query is used.
func TestEverySourcesQueryPrepares(t *testing.T) {
	q, err := sources.LoadQueries()
	if err != nil {
		t.Fatal(err)
	}
	sqlfiletest.CheckNames(t, ".", q, "q.Get")
	sqlfiletest.CheckPrepared(t, dbtest.Tx(t), q, nil)
}
