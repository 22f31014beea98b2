package sources

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/civitas-eu/civitas/internal/jobs"
)

// JobKind is the queue's kind of sync jobs.
const JobKind = "source.sync"

// JobArgs are a sync job's arguments.
type JobArgs struct {
	SourceID int64 `json:"source_id"`
}

// syncConcurrency is how many syncs one process runs at a time; each
// source is synced by at most one process at a time (the engine's lease).
const syncConcurrency = 2

// Handler is the sync jobs, two at a time. A source another worker is
// syncing is retried later; a failed run is recorded and the job done
// (the schedule brings the next).
func (e *Engine) Handler() jobs.Registration {
	return jobs.Registration{Kind: JobKind, Concurrency: syncConcurrency, Handler: e.runSyncJob}
}

func (e *Engine) runSyncJob(ctx context.Context, j jobs.Job, rep *jobs.Reporter) error {
	var a JobArgs
	if err := j.DecodeArgs(&a); err != nil {
		return err
	}
	run, err := e.Sync(ctx, a.SourceID, j.ID)
	switch {
	case errors.Is(err, ErrNotFound):
		return jobs.Permanent(fmt.Errorf("source %d no longer exists", a.SourceID))
	case err != nil:
		return err
	}
	return rep.SetResult(ctx, run)
}

// Enqueue queues a sync of source id, or returns the sync already queued
// or running.
func Enqueue(ctx context.Context, q *jobs.Queue, id int64, by string) (jobs.Job, error) {
	return q.Enqueue(ctx, JobKind, JobArgs{SourceID: id}, jobs.EnqueueOptions{CreatedBy: by, MaxAttempts: 5,
		Unique: "source:" + strconv.FormatInt(id, 10)})
}

// EnqueueDue queues a sync of every enabled source whose next run is due.
// Several schedulers may run it at once: each due source is claimed by
// one (the statement moves its next run ahead), and the queue keeps one
// sync per source.
func (e *Engine) EnqueueDue(ctx context.Context, q *jobs.Queue) (int, error) {
	rows, err := e.st.db.Query(ctx, e.st.q.Get("Due"))
	if err != nil {
		return 0, fmt.Errorf("sources: due: %w", err)
	}
	type due struct {
		id   int64
		name string
	}
	var list []due
	var d due
	for rows.Next() {
		if err := rows.Scan(&d.id, &d.name); err != nil {
			rows.Close()
			return 0, err
		}
		list = append(list, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("sources: due: %w", err)
	}
	for _, d := range list {
		if _, err := Enqueue(ctx, q, d.id, "scheduler"); err != nil {
			return 0, err
		}
	}
	return len(list), nil
}

// Schedule enqueues due syncs every interval until ctx ends.
func (e *Engine) Schedule(ctx context.Context, q *jobs.Queue, every time.Duration) {
	if every <= 0 {
		every = 30 * time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if n, err := e.EnqueueDue(ctx, q); err != nil && ctx.Err() == nil {
			e.log.Warn("sources: scheduling due syncs failed", "err", err)
		} else if n > 0 {
			e.log.Info("sources: queued due syncs", "sources", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
