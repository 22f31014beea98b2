package jobs

import (
	"context"
	"embed"
	"fmt"
	"sync"
	"time"

	"github.com/civitas-eu/civitas/internal/sqlfile"
	"github.com/civitas-eu/civitas/internal/store"
)

// The functions of this file change the queue for retention and
// data-subject erasure (internal/privacy). They need no Queue (privacy
// has none) and take the caller's transaction as db, so that they commit
// with the rest of a retention run or an erasure.

//go:embed privacy.sql
var privacyFS embed.FS

// privacyQueries are parsed once per process: the embedded file cannot
// change.
var privacyQueries = sync.OnceValues(func() (sqlfile.Queries, error) { return sqlfile.Load(privacyFS, ".") })

// DeleteFinishedBefore deletes the finished (done, failed, cancelled)
// jobs that ended before cutoff and returns how many it deleted. Queued
// and running jobs stay whatever their age.
func DeleteFinishedBefore(ctx context.Context, db store.DB, cutoff time.Time) (int64, error) {
	q, err := privacyQueries()
	if err != nil {
		return 0, fmt.Errorf("jobs: %w", err)
	}
	tag, err := db.Exec(ctx, q.Get("DeleteFinishedBefore"), cutoff)
	if err != nil {
		return 0, fmt.Errorf("jobs: delete finished jobs before %s: %w", cutoff, err)
	}
	return tag.RowsAffected(), nil
}

// PseudonymiseUser makes the jobs that user started, or that name them as
// the argument "by", name them by pseud instead, and returns how many it
// changed.
func PseudonymiseUser(ctx context.Context, db store.DB, user, pseud string) (int64, error) {
	q, err := privacyQueries()
	if err != nil {
		return 0, fmt.Errorf("jobs: %w", err)
	}
	tag, err := db.Exec(ctx, q.Get("PseudonymiseUser"), user, pseud)
	if err != nil {
		return 0, fmt.Errorf("jobs: pseudonymise jobs: %w", err)
	}
	return tag.RowsAffected(), nil
}
