package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"time"

	"github.com/civitas-eu/civitas/internal/audit"
)

// Handler does the work of one job. It must be resumable: after a crash
// the job runs again from the start and should skip what the database
// shows as done. ctx is cancelled when the job is cancelled, taken over,
// or the worker shuts down.
type Handler func(ctx context.Context, j Job, r *Reporter) error

// Handle registers h for jobs of kind, running at most concurrency at a
// time in this process, with options such as OnEnd. Call it before Run.
func (q *Queue) Handle(kind string, concurrency int, h Handler, opts ...HandleOption) {
	r := registration{concurrency: max(concurrency, 1), handler: h}
	for _, o := range opts {
		o(&r)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	q.handlers[kind] = r
}

type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

// Permanent marks err as not worth a retry: the job fails at once.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanentError{err}
}

// IsPermanent reports whether err was marked with Permanent.
func IsPermanent(err error) bool {
	var p permanentError
	return errors.As(err, &p)
}

// Reporter lets a running handler record progress and a result. Its
// writes carry the claim's token, so a handler whose claim was lost (its
// job taken over) changes nothing.
type Reporter struct {
	q     *Queue
	job   int64
	token string
}

// Progress records how far the job has come.
func (r *Reporter) Progress(ctx context.Context, done, total int64, message string) error {
	if _, err := r.q.db.Exec(ctx, r.q.queries.Get("Progress"), r.job, r.token, done, total, message); err != nil {
		return fmt.Errorf("record progress of job %d: %w", r.job, err)
	}
	return nil
}

// SetResult stores v (as JSON) as the job's result.
func (r *Reporter) SetResult(ctx context.Context, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode result of job %d: %w", r.job, err)
	}
	if _, err := r.q.db.Exec(ctx, r.q.queries.Get("SetResult"), r.job, r.token, string(b)); err != nil {
		return fmt.Errorf("record result of job %d: %w", r.job, err)
	}
	return nil
}

// Run claims and runs jobs of the registered kinds until ctx is cancelled.
// Then it stops claiming, cancels the running handlers, gives the jobs of
// those that return an error back to the queue (the interrupted attempt
// does not count; one that returns nil is done) and returns once every
// handler has returned.
func (q *Queue) Run(ctx context.Context) error {
	q.mu.Lock()
	regs := make(map[string]registration, len(q.handlers))
	for k, r := range q.handlers {
		regs[k] = r
	}
	q.mu.Unlock()

	handlerCtx, stopHandlers := context.WithCancel(context.WithoutCancel(ctx))
	defer stopHandlers()
	slots := map[string]chan struct{}{}
	for kind, r := range regs {
		slots[kind] = make(chan struct{}, r.concurrency)
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		claimed := false
		for kind, r := range regs {
			if ctx.Err() != nil {
				break
			}
			select {
			case slots[kind] <- struct{}{}:
			default:
				continue // all of this kind's slots are busy
			}
			j, err := q.claim(ctx, kind)
			if err != nil || j == nil {
				<-slots[kind]
				if err != nil && ctx.Err() == nil {
					q.log.Warn("job queue: claim failed", "kind", kind, "err", err)
				}
				continue
			}
			claimed = true
			wg.Add(1)
			go func() {
				defer wg.Done()
				q.run(handlerCtx, *j, r)
				<-slots[kind]
				q.Wake()
			}()
		}
		if claimed {
			continue // more may be due
		}
		select {
		case <-ctx.Done():
			stopHandlers()
			return nil
		case <-q.wake:
		case <-time.After(q.cfg.Poll):
		}
	}
}

// claimed is a job this process claimed, and the token its claim holds
// in locked_by.
type claimed struct {
	Job
	token string
}

// claimToken returns a new token for one claim: the worker's name (so an
// operator can see who holds a job) and random hex. A token per claim,
// not per process, means that a handler whose lease lapsed cannot write
// to its job once this same process has claimed it again, and that a
// restarted container with the same host name and pid does not inherit a
// dead worker's claims.
func (q *Queue) claimToken() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return q.cfg.Worker + ":" + hex.EncodeToString(b)
}

func (q *Queue) claim(ctx context.Context, kind string) (*claimed, error) {
	token := q.claimToken()
	rows, err := q.db.Query(ctx, q.queries.Get("Claim"), []string{kind}, token, q.cfg.Lease.Seconds())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	if !rows.Next() {
		return nil, rows.Err()
	}
	j, err := scanJob(rows)
	if err != nil {
		return nil, err
	}
	return &claimed{Job: j, token: token}, nil
}

// run runs one claimed job with r's handler and records how it ended.
// Every write is conditional on c's token still holding the job.
func (q *Queue) run(ctx context.Context, c claimed, r registration) {
	j := c.Job
	log := q.log.With("job", j.ID, "kind", j.Kind, "attempt", j.Attempts)
	if j.Attempts > j.MaxAttempts {
		// Every attempt so far ended with its worker gone (a crash loop).
		q.end(ctx, c, r, log, StatusFailed, 0, fmt.Sprintf("gave up after %d attempts: the worker stopped each time before finishing", j.MaxAttempts))
		return
	}

	jobCtx, cancelJob := context.WithCancel(ctx)
	defer cancelJob()
	// lost is written by the heartbeat and read once it has returned:
	// closing heartbeatDone orders the two.
	var lost bool
	heartbeatDone := make(chan struct{})
	go func() {
		defer close(heartbeatDone)
		t := time.NewTicker(q.cfg.Lease / 3)
		defer t.Stop()
		for {
			select {
			case <-jobCtx.Done():
				return
			case <-t.C:
				tag, err := q.db.Exec(jobCtx, q.queries.Get("Renew"), j.ID, c.token, q.cfg.Lease.Seconds())
				if err == nil && tag.RowsAffected() == 0 {
					log.Warn("job queue: job was cancelled or taken over; stopping it")
					lost = true
					cancelJob()
					return
				}
			}
		}
	}()

	log.Info("job started")
	start := time.Now()
	// What a job does is done on behalf of whoever queued it: the audit
	// trail names them, not "system".
	hctx := jobCtx
	if j.CreatedBy != "" {
		hctx = audit.WithActor(jobCtx, j.CreatedBy)
	}
	err := runHandler(hctx, r.handler, j, &Reporter{q: q, job: j.ID, token: c.token})
	cancelJob()
	<-heartbeatDone
	switch {
	case lost:
		// The row is no longer ours: nothing to record (end only asks
		// whether the job was cancelled).
		q.end(ctx, c, r, log, lostClaim, 0, "")
	case err == nil:
		// Before the shutdown case: a job that completed as shutdown
		// began is done, and giving it back would run it again.
		q.end(ctx, c, r, log, StatusDone, 0, "")
		log.Info("job done", "duration", time.Since(start))
	case ctx.Err() != nil:
		// Failed because the worker is stopping: not the job's fault.
		q.end(ctx, c, r, log, givenBack, 0, "")
		log.Info("job given back on shutdown")
	case IsPermanent(err) || j.Attempts >= j.MaxAttempts:
		q.end(ctx, c, r, log, StatusFailed, 0, err.Error())
		log.Warn("job failed", "err", err, "duration", time.Since(start))
	default:
		wait := q.cfg.Backoff << (j.Attempts - 1)
		q.end(ctx, c, r, log, StatusQueued, wait, err.Error())
		log.Warn("job failed; will retry", "err", err, "retry_in", wait)
	}
}

// runHandler turns a handler's panic into an error, so one bad job cannot
// take the worker down.
func runHandler(ctx context.Context, h Handler, j Job, r *Reporter) (err error) {
	defer func() {
		if p := recover(); p != nil {
			// The stack goes to the log, not into the job's error, which
			// users see.
			r.q.log.Error("job handler panicked", "job", j.ID, "kind", j.Kind, "panic", p, "stack", string(debug.Stack()))
			err = Permanent(fmt.Errorf("job %d stopped on an internal error", j.ID))
		}
	}()
	return h(ctx, j, r)
}
