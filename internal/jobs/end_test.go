package jobs

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/civitas-eu/civitas/internal/dbtest"
)

// ends records what OnEnd reports, as "id:status".
type ends struct {
	mu  sync.Mutex
	got []string
}

func (e *ends) record(_ context.Context, j Job, status string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.got = append(e.got, fmt.Sprintf("%d:%s", j.ID, status))
}

func (e *ends) list() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.got)
}

// OnEnd hears of every job that ended for good, once: done, failed at
// once or after its last attempt, or failed for a crash loop.
func TestOnEndReportsEndedJobs(t *testing.T) {
	tests := []struct {
		name        string
		maxAttempts int
		crashLoop   bool // every attempt so far ended with its worker gone
		err         error
		want        string
	}{
		{"done", 3, false, nil, StatusDone},
		{"permanent", 3, false, Permanent(errors.New("damaged PDF")), StatusFailed},
		{"retries exhausted", 2, false, errors.New("Ollama busy"), StatusFailed},
		{"crash loop", 1, true, nil, StatusFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			q := newQueue(t, Config{})
			kind := dbtest.UniqueName("test-")
			var e ends
			q.Handle(kind, 1, func(context.Context, Job, *Reporter) error { return tt.err }, OnEnd(e.record))
			j, err := q.Enqueue(ctx, kind, nil, EnqueueOptions{MaxAttempts: tt.maxAttempts})
			if err != nil {
				t.Fatal(err)
			}
			if tt.crashLoop {
				if _, err := q.db.Exec(ctx, `UPDATE jobs SET status = 'running', attempts = max_attempts,
					locked_by = 'dead-worker', locked_until = now() - interval '1 second' WHERE id = $1`, j.ID); err != nil {
					t.Fatal(err)
				}
			}
			stop := start(t, q)
			got := waitFor(t, q, j.ID, tt.want, func(j Job) bool { return j.FinishedAt != nil })
			stop() // the report is made before Run returns
			if want := []string{fmt.Sprintf("%d:%s", j.ID, tt.want)}; got.Status != tt.want || !slices.Equal(e.list(), want) {
				t.Errorf("job %s, reported %v; want %s, reported %v", got.Status, e.list(), tt.want, want)
			}
		})
	}
}

// A run whose job goes on reports nothing, whatever its handler returned:
// a job given back on shutdown, or taken over by another claim, is not
// over even though its handler failed for good. A cancelled job is
// reported once, by the run of its latest claim.
func TestOnEndIgnoresJobsThatGoOn(t *testing.T) {
	ctx := context.Background()
	damaged := func(context.Context, Job, *Reporter) error { return Permanent(errors.New("damaged PDF")) }
	setup := func(t *testing.T) (*Queue, *ends, registration, Job) {
		q := newQueue(t, Config{Worker: "same-host:1"})
		kind := dbtest.UniqueName("test-")
		j, err := q.Enqueue(ctx, kind, nil, EnqueueOptions{})
		if err != nil {
			t.Fatal(err)
		}
		e := &ends{}
		return q, e, registration{handler: damaged, onEnd: e.record}, j
	}
	claim := func(t *testing.T, q *Queue, kind string) claimed {
		t.Helper()
		c, err := q.claim(ctx, kind)
		if err != nil || c == nil {
			t.Fatalf("claim = %+v, %v", c, err)
		}
		return *c
	}
	expire := func(t *testing.T, q *Queue, id int64) {
		t.Helper()
		if _, err := q.db.Exec(ctx, "UPDATE jobs SET locked_until = now() - interval '1 second' WHERE id = $1", id); err != nil {
			t.Fatal(err)
		}
	}
	get := func(t *testing.T, q *Queue, id int64) Job {
		t.Helper()
		j, err := q.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return j
	}

	t.Run("given back on shutdown", func(t *testing.T) {
		q, e, r, j := setup(t)
		c := claim(t, q, j.Kind)
		stopped, stop := context.WithCancel(ctx)
		stop()
		q.run(stopped, c, r)
		if got := get(t, q, j.ID); got.Status != StatusQueued || len(e.list()) != 0 {
			t.Errorf("job %s, reported %v; want queued, nothing reported", got.Status, e.list())
		}
	})
	t.Run("taken over", func(t *testing.T) {
		q, e, r, j := setup(t)
		stale := claim(t, q, j.Kind)
		expire(t, q, j.ID)
		claim(t, q, j.Kind)
		q.run(ctx, stale, r)
		if got := get(t, q, j.ID); got.Status != StatusRunning || len(e.list()) != 0 {
			t.Errorf("job %s, reported %v; want still running under the new claim, nothing reported", got.Status, e.list())
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		q, e, r, j := setup(t)
		stale := claim(t, q, j.Kind)
		expire(t, q, j.ID)
		latest := claim(t, q, j.Kind)
		if err := q.Cancel(ctx, j.ID); err != nil {
			t.Fatal(err)
		}
		q.run(ctx, stale, r)
		q.run(ctx, latest, r)
		if want := []string{fmt.Sprintf("%d:%s", j.ID, StatusCancelled)}; !slices.Equal(e.list(), want) {
			t.Errorf("reported %v, want %v", e.list(), want)
		}
	})
	// Cancelled while the handler runs: the run finds its claim gone at
	// a renewal (lost) and reports the cancel.
	t.Run("cancelled while running", func(t *testing.T) {
		q := newQueue(t, Config{Lease: 300 * time.Millisecond})
		kind := dbtest.UniqueName("test-")
		var e ends
		started := make(chan struct{})
		q.Handle(kind, 1, func(ctx context.Context, j Job, r *Reporter) error {
			close(started)
			<-ctx.Done()
			return Permanent(ctx.Err())
		}, OnEnd(e.record))
		j, err := q.Enqueue(ctx, kind, nil, EnqueueOptions{})
		if err != nil {
			t.Fatal(err)
		}
		stop := start(t, q)
		<-started
		if err := q.Cancel(ctx, j.ID); err != nil {
			t.Fatal(err)
		}
		want := []string{fmt.Sprintf("%d:%s", j.ID, StatusCancelled)}
		deadline := time.Now().Add(10 * time.Second)
		for !slices.Equal(e.list(), want) {
			if time.Now().After(deadline) {
				t.Fatalf("reported %v, want %v", e.list(), want)
			}
			time.Sleep(10 * time.Millisecond) // polling interval, bounded by the deadline
		}
		stop()
		if !slices.Equal(e.list(), want) {
			t.Errorf("reported %v after shutdown, want %v", e.list(), want)
		}
	})
}
