package jobs

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/civitas-eu/civitas/internal/dbtest"
)

// A worker that dies holding a job (no release, no finish) loses it when
// its lease expires, and another worker runs it to the end.
func TestDeadWorkersJobIsTakenOver(t *testing.T) {
	ctx := context.Background()
	kind := dbtest.UniqueName("test-")
	dead := newQueue(t, Config{Worker: "dead-host:1", Lease: 300 * time.Millisecond})
	j, err := dead.Enqueue(ctx, kind, nil, EnqueueOptions{})
	if err != nil {
		t.Fatal(err)
	}
	claimed, err := dead.claim(ctx, kind)
	if err != nil || claimed == nil || claimed.ID != j.ID {
		t.Fatalf("claim = %+v, %v", claimed, err)
	}
	// The dead worker never renews. A live one takes over after the lease.
	live := newQueue(t, Config{Worker: "live-host:2", Lease: 300 * time.Millisecond})
	ran := make(chan int, 1)
	live.Handle(kind, 1, func(ctx context.Context, j Job, r *Reporter) error {
		ran <- j.Attempts
		return nil
	})
	start(t, live)
	got := waitFor(t, live, j.ID, "done", status(StatusDone))
	if attempts := <-ran; attempts != 2 || got.Attempts != 2 {
		t.Errorf("attempts = %d (row %d), want 2: the dead worker's claim counts", attempts, got.Attempts)
	}
}

// On shutdown a running job goes back to the queue, its attempt not
// counted, and the handler sees its context cancelled.
func TestShutdownGivesJobBack(t *testing.T) {
	ctx := context.Background()
	q := newQueue(t, Config{})
	kind := dbtest.UniqueName("test-")
	started := make(chan struct{})
	q.Handle(kind, 1, func(ctx context.Context, j Job, r *Reporter) error {
		close(started)
		<-ctx.Done()
		return ctx.Err()
	})
	j, err := q.Enqueue(ctx, kind, nil, EnqueueOptions{})
	if err != nil {
		t.Fatal(err)
	}
	stop := start(t, q)
	<-started
	stop()
	got, err := q.Get(ctx, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != StatusQueued || got.Attempts != 0 || got.Error != "" {
		t.Errorf("after shutdown: status %s, attempts %d, error %q; want queued, 0, none", got.Status, got.Attempts, got.Error)
	}
}

// Cancelling a running job stops its handler at the next lease renewal.
func TestCancelStopsRunningJob(t *testing.T) {
	ctx := context.Background()
	q := newQueue(t, Config{Lease: 300 * time.Millisecond})
	kind := dbtest.UniqueName("test-")
	started := make(chan struct{})
	stopped := make(chan error, 1)
	q.Handle(kind, 1, func(ctx context.Context, j Job, r *Reporter) error {
		close(started)
		<-ctx.Done()
		stopped <- ctx.Err()
		return ctx.Err()
	})
	j, err := q.Enqueue(ctx, kind, nil, EnqueueOptions{})
	if err != nil {
		t.Fatal(err)
	}
	start(t, q)
	<-started
	if err := q.Cancel(ctx, j.ID); err != nil {
		t.Fatal(err)
	}
	select {
	case <-stopped:
	case <-time.After(10 * time.Second):
		t.Fatal("handler still running 10 s after its job was cancelled")
	}
	if got := waitFor(t, q, j.ID, "cancelled", status(StatusCancelled)); got.FinishedAt == nil {
		t.Errorf("cancelled job has no finish time: %+v", got)
	}
}

// Concurrency bounds how many jobs of a kind run at once in one process.
func TestConcurrencyLimit(t *testing.T) {
	ctx := context.Background()
	q := newQueue(t, Config{})
	kind := dbtest.UniqueName("test-")
	var running, peak atomic.Int64
	release := make(chan struct{})
	q.Handle(kind, 2, func(ctx context.Context, j Job, r *Reporter) error {
		n := running.Add(1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		<-release
		running.Add(-1)
		return nil
	})
	var ids []int64
	for range 6 {
		j, err := q.Enqueue(ctx, kind, nil, EnqueueOptions{})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, j.ID)
	}
	start(t, q)
	deadline := time.Now().Add(10 * time.Second)
	for running.Load() < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("only %d jobs ran at once, want 2", running.Load())
		}
		time.Sleep(5 * time.Millisecond) // polling
	}
	close(release)
	for _, id := range ids {
		waitFor(t, q, id, "done", status(StatusDone))
	}
	if peak.Load() != 2 {
		t.Errorf("peak concurrency %d, want 2", peak.Load())
	}
}

// A handler whose lease lapsed and whose job was claimed again — by the
// same process, under the same worker name — cannot report on, renew or
// finish the job: its claim's token no longer holds it.
func TestStaleClaimCannotFinishReclaimedJob(t *testing.T) {
	ctx := context.Background()
	kind := dbtest.UniqueName("test-")
	q := newQueue(t, Config{Worker: "same-host:1"})
	j, err := q.Enqueue(ctx, kind, nil, EnqueueOptions{})
	if err != nil {
		t.Fatal(err)
	}
	stale, err := q.claim(ctx, kind)
	if err != nil || stale == nil || stale.ID != j.ID {
		t.Fatalf("first claim = %+v, %v", stale, err)
	}
	// The lease lapses (renewals failed) and the same queue claims again.
	if _, err := q.db.Exec(ctx, "UPDATE jobs SET locked_until = now() - interval '1 second' WHERE id = $1", j.ID); err != nil {
		t.Fatal(err)
	}
	fresh, err := q.claim(ctx, kind)
	if err != nil || fresh == nil || fresh.ID != j.ID {
		t.Fatalf("second claim = %+v, %v", fresh, err)
	}
	if fresh.token == stale.token || !strings.HasPrefix(fresh.token, "same-host:1:") {
		t.Fatalf("claim tokens %q and %q: want distinct, each starting with the worker name", stale.token, fresh.token)
	}
	// The stale handler runs to the end and tries to record its result.
	q.run(ctx, *stale, registration{handler: func(ctx context.Context, j Job, r *Reporter) error {
		if err := r.Progress(ctx, 1, 1, "stale"); err != nil {
			return err
		}
		return r.SetResult(ctx, map[string]string{"by": "stale"})
	}})
	var lockedBy string
	if err := q.db.QueryRow(ctx, "SELECT locked_by FROM jobs WHERE id = $1", j.ID).Scan(&lockedBy); err != nil {
		t.Fatal(err)
	}
	got, err := q.Get(ctx, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != StatusRunning || lockedBy != fresh.token || got.Result != nil || got.Progress.Message != "" {
		t.Fatalf("after the stale handler: status %s, locked by %q, result %s, progress %+v; want still running under %q, untouched",
			got.Status, lockedBy, got.Result, got.Progress, fresh.token)
	}
	// The current claim finishes it.
	q.run(ctx, *fresh, registration{handler: func(ctx context.Context, j Job, r *Reporter) error {
		return r.SetResult(ctx, map[string]string{"by": "fresh"})
	}})
	if got, err = q.Get(ctx, j.ID); err != nil || got.Status != StatusDone || string(got.Result) != `{"by": "fresh"}` {
		t.Fatalf("after the current handler: %+v, %v; want done with its result", got, err)
	}
}

// A handler that completes as shutdown begins (it returns nil although its
// context is cancelled) leaves its job done, not queued to run again.
func TestJobDoneAtShutdownStaysDone(t *testing.T) {
	ctx := context.Background()
	q := newQueue(t, Config{})
	kind := dbtest.UniqueName("test-")
	started := make(chan struct{})
	q.Handle(kind, 1, func(ctx context.Context, j Job, r *Reporter) error {
		close(started)
		<-ctx.Done()
		return nil // the work finished just as the worker stopped
	})
	j, err := q.Enqueue(ctx, kind, nil, EnqueueOptions{})
	if err != nil {
		t.Fatal(err)
	}
	stop := start(t, q)
	<-started
	stop()
	got, err := q.Get(ctx, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != StatusDone || got.Attempts != 1 || got.FinishedAt == nil {
		t.Errorf("after shutdown: status %s, attempts %d, finished %v; want done after 1 attempt", got.Status, got.Attempts, got.FinishedAt)
	}
}
