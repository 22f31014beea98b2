package jobs

import (
	"io"
	"log/slog"
	"testing"

	"github.com/civitas-eu/civitas/internal/dbtest"
	"github.com/civitas-eu/civitas/internal/sqlfile"
	"github.com/civitas-eu/civitas/internal/sqlfile/sqlfiletest"
)

// TestEveryJobsQueryPrepares has PostgreSQL prepare every named query of
// queries.sql, with {{columns}} filled in by New as the queue runs them,
// and of privacy.sql against the migrated schema (none needs a skip), and
// checks that every name the Go code looks up exists and every query is
// used.
func TestEveryJobsQueryPrepares(t *testing.T) {
	t.Parallel()
	tx := dbtest.Tx(t)
	q, err := New(tx, slog.New(slog.NewTextHandler(io.Discard, nil)), Config{Worker: "check"})
	if err != nil {
		t.Fatal(err)
	}
	priv, err := privacyQueries()
	if err != nil {
		t.Fatal(err)
	}
	all := sqlfile.Queries{}
	for _, qs := range []sqlfile.Queries{q.queries, priv} {
		for name, sql := range qs {
			if _, dup := all[name]; dup {
				t.Errorf("query %s is in queries.sql and privacy.sql", name)
			}
			all[name] = sql
		}
	}
	sqlfiletest.CheckNames(t, ".", all, "Get")
	sqlfiletest.CheckPrepared(t, tx, all, nil)
}
