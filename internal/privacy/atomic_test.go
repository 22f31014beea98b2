package privacy_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/civitas-eu/civitas/internal/auth"
	"github.com/civitas-eu/civitas/internal/privacy"
	"github.com/civitas-eu/civitas/internal/store"
)

var errInjected = errors.New("injected failure")

// failingTx fails every statement containing failOn, also in the
// savepoints it opens, so that the last step of a unit of work (the
// audit event) fails after the others have run.
type failingTx struct {
	pgx.Tx
	failOn string
}

func (f failingTx) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	if strings.Contains(sql, f.failOn) {
		return pgconn.CommandTag{}, errInjected
	}
	return f.Tx.Exec(ctx, sql, args...)
}

func (f failingTx) Begin(ctx context.Context) (pgx.Tx, error) {
	tx, err := f.Tx.Begin(ctx)
	return failingTx{Tx: tx, failOn: f.failOn}, err
}

// failingDB hands out failingTx transactions.
type failingDB struct {
	store.DB
	failOn string
}

func (f failingDB) Begin(ctx context.Context) (pgx.Tx, error) {
	tx, err := f.DB.Begin(ctx)
	return failingTx{Tx: tx, failOn: f.failOn}, err
}

// TestErasureAndRetentionAreOneTransaction makes the audit event, the
// last step of an erasure and of a retention run, fail, and checks that
// the changes the owners of the tables (store, jobs, audit) made before
// it in privacy's transaction are gone with it.
func TestErasureAndRetentionAreOneTransaction(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, run := range []struct {
		name string
		do   func(*privacy.Service) error
	}{
		{"erasure", func(s *privacy.Service) error {
			_, err := s.EraseSubject(auth.NewContext(ctx, auth.User{Name: "dpo", Groups: []string{auth.GroupAdmin}}), "alice")
			return err
		}},
		{"retention", func(s *privacy.Service) error { _, err := s.RunRetention(ctx, time.Now()); return err }},
	} {
		t.Run(run.name, func(t *testing.T) {
			w := newWorld(t)
			w.exec(t, "INSERT INTO jobs (kind, args, created_by, status, finished_at) VALUES ('x', '{}', 'alice', 'done', now() - interval '90 days')")
			count := func() (n int) {
				t.Helper()
				err := w.tx.QueryRow(ctx, `SELECT (SELECT count(*) FROM answers WHERE user_name = 'alice')
					+ (SELECT count(*) FROM conversations WHERE user_name = 'alice' AND title <> '')
					+ (SELECT count(*) FROM jobs WHERE created_by = 'alice')`).Scan(&n)
				if err != nil {
					t.Fatal(err)
				}
				return n
			}
			before := count()
			s, err := privacy.New(failingDB{DB: w.tx, failOn: "INSERT INTO audit_log"}, privacy.Config{Days: 30, Action: privacy.ActionDelete},
				slog.New(slog.NewTextHandler(io.Discard, nil)))
			if err != nil {
				t.Fatal(err)
			}
			if err := run.do(s); !errors.Is(err, errInjected) {
				t.Fatalf("error = %v, want the injected failure", err)
			}
			if after := count(); after != before {
				t.Errorf("alice's answers, titled conversations and jobs: %d before, %d after a failed %s: want no change", before, after, run.name)
			}
		})
	}
}
