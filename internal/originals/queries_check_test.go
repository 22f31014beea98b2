package originals_test

import (
	"testing"

	"github.com/civitas-eu/civitas/internal/dbtest"
	"github.com/civitas-eu/civitas/internal/originals"
	"github.com/civitas-eu/civitas/internal/sqlfile/sqlfiletest"
)

// TestEveryOriginalsQueryPrepares has PostgreSQL prepare every named
// query of sql/*.sql against the migrated schema (none needs a skip), and
// checks that every name the Go code looks up exists and every query is
// used.
func TestEveryOriginalsQueryPrepares(t *testing.T) {
	t.Parallel()
	q, err := originals.LoadQueries()
	if err != nil {
		t.Fatal(err)
	}
	sqlfiletest.CheckNames(t, ".", q, "Get")
	sqlfiletest.CheckPrepared(t, dbtest.Tx(t), q, nil)
}
