package jobs

import (
	"cmp"
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// EndFunc is told that job j has ended for good, with status StatusDone,
// StatusFailed or StatusCancelled. ctx outlives a shutdown of the worker
// by a few seconds.
type EndFunc func(ctx context.Context, j Job, status string)

// HandleOption is an option of Handle.
type HandleOption func(*registration)

// OnEnd has f called when a job of the kind that this process ran has
// ended for good: after the queue recorded it done or failed (a Permanent
// error, the last attempt, or a crash loop), or found it cancelled while
// this process's claim was the job's latest. A run that schedules a
// retry, gives the job back on shutdown or lost it to another worker calls
// nothing, whatever its handler returned: the job goes on. A job cancelled
// before any worker claimed it never runs, and f is not called for it.
func OnEnd(f EndFunc) HandleOption {
	return func(r *registration) { r.onEnd = f }
}

// What end may do with a job that its run does not finish.
const (
	givenBack = ""     // back to the queue untouched, its attempt not counted (Release)
	lostClaim = "lost" // nothing: the claim no longer holds the job
)

// end records how c's run ended: status is StatusDone, StatusFailed,
// StatusQueued to retry after retryIn, givenBack or lostClaim. Like every
// write of a run it is conditional on c's claim, and it happens even when
// ctx is cancelled (the worker is shutting down). Then it calls r's OnEnd
// function if the job has ended.
func (q *Queue) end(ctx context.Context, c claimed, r registration, log *slog.Logger, status string, retryIn time.Duration, msg string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	var tag pgconn.CommandTag
	var err error
	switch status {
	case lostClaim:
	case givenBack:
		tag, err = q.db.Exec(ctx, q.queries.Get("Release"), c.ID, c.token)
	default:
		tag, err = q.db.Exec(ctx, q.queries.Get("Finish"), c.ID, c.token, status, retryIn.Seconds(), msg)
	}
	switch {
	case err != nil:
		log.Error("job queue: record end of job", "status", cmp.Or(status, "given back"), "err", err)
	case r.onEnd == nil:
	case tag.RowsAffected() == 1:
		if status == StatusDone || status == StatusFailed {
			r.onEnd(ctx, c.Job, status)
		}
	case q.cancelledUnder(ctx, c, log):
		// Cancelled since the last renewal; or lost, and cancelled.
		r.onEnd(ctx, c.Job, StatusCancelled)
	}
}

// cancelledUnder reports whether c's job is cancelled and c was its latest
// claim: every claim adds an attempt, so of the runs that find their claim
// gone, only one reports the cancel.
func (q *Queue) cancelledUnder(ctx context.Context, c claimed, log *slog.Logger) bool {
	var cancelled bool
	if err := q.db.QueryRow(ctx, q.queries.Get("CancelledUnder"), c.ID, c.Attempts).Scan(&cancelled); err != nil {
		log.Error("job queue: read whether a lost job was cancelled", "err", err)
		return false
	}
	return cancelled
}
