package audit_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/civitas-eu/civitas/internal/audit"
	"github.com/civitas-eu/civitas/internal/dbtest"
)

// appendN appends n events and returns their records.
func appendN(t *testing.T, db audit.DB, n int) []audit.Record {
	t.Helper()
	var out []audit.Record
	for i := range n {
		r, err := audit.Append(context.Background(), db, audit.Event{
			Action: audit.ActionDocumentIngested, Target: fmt.Sprintf("document:%d", i),
			Details: map[string]any{"version": i + 1}, Actor: "alice", Personal: map[string]string{"note": "n" + fmt.Sprint(i)},
		})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

func verify(t *testing.T, db audit.DB) audit.Result {
	t.Helper()
	res, err := audit.Verify(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestChainVerifies(t *testing.T) {
	tx := dbtest.Tx(t)
	if res := verify(t, tx); !res.OK || res.Rows != 0 {
		t.Fatalf("empty chain: %+v", res)
	}
	recs := appendN(t, tx, 5)
	for i, r := range recs {
		if r.ID != int64(i+1) {
			t.Errorf("row %d has id %d", i, r.ID)
		}
		if i > 0 && string(r.PrevHash) != string(recs[i-1].Hash) {
			t.Errorf("row %d does not chain to row %d", r.ID, recs[i-1].ID)
		}
	}
	res := verify(t, tx)
	if !res.OK || res.Rows != 5 || res.HeadID != 5 || res.FirstBad != nil {
		t.Fatalf("verify = %+v, want ok over 5 rows", res)
	}
	got, err := audit.Search(context.Background(), tx, audit.Filter{Actor: "alice", Action: "document."}, 0, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != 5 || got[1].ID != 4 || got[0].Personal == nil || got[0].Personal.Actor != "alice" {
		t.Fatalf("search newest two = %+v", got)
	}
}

// TestTamperingIsDetected alters the trail around the trigger, as a
// database owner could, and expects Verify to name the row.
func TestTamperingIsDetected(t *testing.T) {
	cases := []struct {
		name   string
		sql    []string
		wantID int64
		reason string
	}{
		{"details altered", []string{`UPDATE audit_log SET details = '{"version": 99}' WHERE id = 3`}, 3, "altered"},
		{"action altered", []string{`UPDATE audit_log SET action = 'document.deleted' WHERE id = 2`}, 2, "altered"},
		{"time altered", []string{`UPDATE audit_log SET at = at - interval '1 day' WHERE id = 4`}, 4, "altered"},
		{"row removed", []string{`DELETE FROM audit_personal WHERE audit_id = 3`, `DELETE FROM audit_log WHERE id = 3`}, 3, "missing"},
		{"rewritten with a fresh hash", []string{`UPDATE audit_log SET hash = sha256(hash) WHERE id = 2`}, 2, "altered"},
		{"personal data altered", []string{`UPDATE audit_personal SET actor = 'mallory' WHERE audit_id = 4`}, 4, "personal data"},
		{"personal data removed silently", []string{`DELETE FROM audit_personal WHERE audit_id = 2`}, 2, "without an erasure"},
		{"forged row at the end", []string{
			`INSERT INTO audit_log (id, at, action, details, prev_hash, hash) SELECT 6, now(), 'answer.created', '{}', hash, sha256(hash) FROM audit_log WHERE id = 5`,
			`UPDATE audit_head SET last_id = 6, last_hash = (SELECT hash FROM audit_log WHERE id = 6)`}, 6, "altered"},
		{"last rows removed", []string{`DELETE FROM audit_personal WHERE audit_id = 5`, `DELETE FROM audit_log WHERE id = 5`}, 5, "missing"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tx := dbtest.Tx(t)
			appendN(t, tx, 5)
			ctx := context.Background()
			// Only the owner can do this, and the trail shows it.
			for _, table := range []string{"audit_log", "audit_personal"} {
				if _, err := tx.Exec(ctx, "ALTER TABLE "+table+" DISABLE TRIGGER USER"); err != nil {
					t.Fatal(err)
				}
			}
			for _, s := range c.sql {
				if _, err := tx.Exec(ctx, s); err != nil {
					t.Fatalf("%s: %v", s, err)
				}
			}
			res := verify(t, tx)
			if res.OK || res.FirstBad == nil || res.FirstBad.ID != c.wantID || !strings.Contains(res.FirstBad.Reason, c.reason) {
				t.Fatalf("verify = %+v (first bad %+v), want row %d reported as %q", res, res.FirstBad, c.wantID, c.reason)
			}
		})
	}
}

// TestAppendOnlyEnforced: the application cannot change or remove rows,
// even as the table's owner, while the trigger is in place.
func TestAppendOnlyEnforced(t *testing.T) {
	tx := dbtest.Tx(t)
	appendN(t, tx, 2)
	for _, s := range []string{
		`UPDATE audit_log SET target = 'x' WHERE id = 1`,
		`DELETE FROM audit_log WHERE id = 2`,
		`TRUNCATE audit_log CASCADE`,
	} {
		err := pgx.BeginFunc(context.Background(), tx, func(sp pgx.Tx) error {
			_, err := sp.Exec(context.Background(), s)
			return err
		})
		if err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: err = %v, want the append-only refusal", s, err)
		}
	}
	if res := verify(t, tx); !res.OK || res.Rows != 2 {
		t.Fatalf("after refused changes: %+v", res)
	}
}

// TestConcurrentAppendsStayLinear appends from many goroutines over the
// pool: the chain head lock must give one linear chain, no forks.
func TestConcurrentAppendsStayLinear(t *testing.T) {
	pool := dbtest.Migrated(t)
	ctx := context.Background()
	const workers, each = 8, 10
	marker := dbtest.SchemaName() // unique per run: the database is shared
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				_, err := audit.Append(ctx, pool, audit.Event{Action: "test.concurrent", Target: fmt.Sprintf("%s:%d:%d", marker, w, i), Actor: "tester"})
				if err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	res := verify(t, pool)
	if !res.OK {
		t.Fatalf("chain after concurrent appends: %+v %+v", res, res.FirstBad)
	}
	var n int
	if err := pool.QueryRow(ctx, "SELECT count(DISTINCT id) FROM audit_log WHERE starts_with(target, $1)", marker+":").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != workers*each {
		t.Fatalf("%d rows recorded, want %d", n, workers*each)
	}
}
