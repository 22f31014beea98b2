package store_test

import (
	"reflect"
	"testing"

	"github.com/civitas-eu/civitas/internal/audit"
	"github.com/civitas-eu/civitas/internal/dbtest"
	"github.com/civitas-eu/civitas/internal/sqlfile/sqlfiletest"
	"github.com/civitas-eu/civitas/internal/store"
)

// storeFragments are parts spliced into other queries ({{lexical}},
// {{columns}}, {{visible}}), not statements: they are checked as part of
// the retrieval queries that hold them.
var storeFragments = []string{"RetrieveLexicalCTE", "RetrieveColumns", "RetrieveFilter"}

// storeUnpreparable are statements PREPARE does not take; they get a
// syntax check only (sqlfiletest.CheckPrepared).
var storeUnpreparable = map[string]string{
	"GrantAppRole":     "GRANT/REVOKE, several statements: run over the simple protocol (privileges.go)",
	"RetrieveSettings": "SET LOCAL is a utility statement",
}

// TestEveryStoreQueryPrepares has PostgreSQL prepare every named query of
// queries/*.sql, filled in as the store fills it, against the migrated
// schema, for both vector types, so a misspelt column or a query left
// behind by a migration fails here rather than on the request that runs it.
func TestEveryStoreQueryPrepares(t *testing.T) {
	t.Parallel()
	tx := dbtest.Tx(t)
	for _, vt := range []string{store.VectorFull, store.VectorHalf} {
		t.Run(vt, func(t *testing.T) {
			q, err := store.FilledQueries(store.EmbeddingModel{ID: 1, Name: "check", Dimensions: 4, VectorType: vt}, "civitas_app", "public")
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range storeFragments {
				if _, ok := q[f]; !ok {
					t.Errorf("fragment %s is no query: remove it from storeFragments", f)
				}
				delete(q, f)
			}
			sqlfiletest.CheckPrepared(t, tx, q, storeUnpreparable)
		})
	}
}

// TestStoreQueryNames fails when the store's Go code looks up a query
// that queries/*.sql lacks, or a query there is used nowhere.
func TestStoreQueryNames(t *testing.T) {
	t.Parallel()
	q, err := store.LoadQueries()
	if err != nil {
		t.Fatal(err)
	}
	sqlfiletest.CheckNames(t, ".", q, "q", "Get")
}

// TestOneDBInterface fails when store and audit declare their own
// pool-or-transaction interfaces again: store.DB is audit.DB.
func TestOneDBInterface(t *testing.T) {
	t.Parallel()
	if s, a := reflect.TypeFor[store.DB](), reflect.TypeFor[audit.DB](); s != a {
		t.Errorf("store.DB is %v, audit.DB is %v: declare the interface once", s, a)
	}
}
