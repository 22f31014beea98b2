package fairqueue_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/civitas-eu/civitas/internal/fairqueue"
)

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func queued(q *fairqueue.Queue) int { return q.Waiting() }

// acquireAs starts an Acquire for user in a goroutine; the returned
// channel yields its release once the slot is granted.
func acquireAs(ctx context.Context, q *fairqueue.Queue, user string, ahead func(int)) (<-chan func(), <-chan error) {
	got := make(chan func(), 1)
	failed := make(chan error, 1)
	go func() {
		release, err := q.Acquire(fairqueue.WithWaiter(ctx, fairqueue.Waiter{User: user, Ahead: ahead}))
		if err != nil {
			failed <- err
			return
		}
		got <- release
	}()
	return got, failed
}

// TestRoundRobinServesOtherUsersBetweenOneUsersBurst queues a burst of
// user A behind a running generation, then one question each of B and C:
// they are served in turns (A, B, C, A, A, …), A's in their own order, and
// each waiter is told how many will be served before it.
func TestRoundRobinServesOtherUsersBetweenOneUsersBurst(t *testing.T) {
	t.Parallel()
	q := fairqueue.New(fairqueue.Config{Parallel: 1})
	ctx := context.Background()
	first, err := q.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	type entry struct {
		name string
		got  <-chan func()
	}
	var (
		mu     sync.Mutex
		aheads = map[string][]int{}
	)
	var entries []entry
	add := func(user, name string) {
		got, _ := acquireAs(ctx, q, user, func(n int) { mu.Lock(); aheads[name] = append(aheads[name], n); mu.Unlock() })
		entries = append(entries, entry{name, got})
		n := len(entries)
		waitFor(t, name+" queued", func() bool { return queued(q) == n })
		waitFor(t, name+" told its place", func() bool { mu.Lock(); defer mu.Unlock(); return len(aheads[name]) > 0 })
	}
	// Notices carry the latest place (a waiter that has not read one yet
	// reads only the newest), so the test waits for each change to reach
	// a4 before making the next grant: otherwise a loaded machine skips
	// some.
	told := func(name string, n int) func() bool {
		return func() bool {
			mu.Lock()
			defer mu.Unlock()
			a := aheads[name]
			return len(a) > 0 && a[len(a)-1] == n
		}
	}
	for _, n := range []string{"a1", "a2", "a3", "a4"} {
		add("A", n)
	}
	add("B", "b1")
	add("C", "c1")

	var order []string
	release := first
	for range entries {
		release()
		granted := ""
		waitFor(t, "a grant", func() bool {
			for _, e := range entries {
				select {
				case r := <-e.got:
					granted, release = e.name, r
					return true
				default:
				}
			}
			return false
		})
		order = append(order, granted)
		if ahead := 5 - len(order); ahead >= 0 {
			waitFor(t, fmt.Sprintf("a4 told %d ahead", ahead), told("a4", ahead))
		}
	}
	release()
	want := []string{"a1", "b1", "c1", "a2", "a3", "a4"}
	if len(order) != len(want) {
		t.Fatalf("order %v, want %v", order, want)
	}
	for i := range want {
		if order[i] != want[i] {
			t.Fatalf("order %v, want %v", order, want)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	// When B arrived, a1 was to be served first; when C arrived, a1 and
	// b1. a4 first saw a1..a3 ahead, then b1 and c1 get their turns too.
	if got := aheads["b1"]; len(got) == 0 || got[0] != 1 {
		t.Errorf("b1 told %v, want 1 ahead first", got)
	}
	if got := aheads["c1"]; len(got) == 0 || got[0] != 2 {
		t.Errorf("c1 told %v, want 2 ahead first", got)
	}
	if got := aheads["a4"]; len(got) < 2 || got[0] != 3 || got[1] != 4 {
		t.Errorf("a4 told %v, want 3 then 4 ahead", got)
	}
}

// TestCancelledWaitLeavesNoSlotTaken cancels a waiting request: it fails
// with the context's error, leaves the queue, and the slot still goes to
// the next waiter when the running generation ends.
func TestCancelledWaitLeavesNoSlotTaken(t *testing.T) {
	t.Parallel()
	q := fairqueue.New(fairqueue.Config{Parallel: 1})
	first, err := q.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	_, failed := acquireAs(ctx, q, "A", nil)
	waitFor(t, "A queued", func() bool { return queued(q) == 1 })
	got, _ := acquireAs(context.Background(), q, "B", nil)
	waitFor(t, "B queued", func() bool { return queued(q) == 2 })
	cancel()
	if err := <-failed; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled wait: %v", err)
	}
	waitFor(t, "A gone", func() bool { return queued(q) == 1 })
	first()
	first() // twice is once
	release := <-got
	release()
	if r, err := q.Acquire(context.Background()); err != nil {
		t.Fatal(err)
	} else {
		r()
	}
}

// TestParallelSlotsRunAtOnce checks that Parallel generations start
// without waiting, and the next waits.
func TestParallelSlotsRunAtOnce(t *testing.T) {
	t.Parallel()
	q := fairqueue.New(fairqueue.Config{Parallel: 2})
	var waited []time.Duration
	ctx := fairqueue.WithWaiter(context.Background(), fairqueue.Waiter{User: "A", Admitted: func(d time.Duration) { waited = append(waited, d) }})
	r1, err := q.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := q.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(waited) != 2 || waited[0] != 0 || waited[1] != 0 {
		t.Errorf("waited %v, want two zero waits", waited)
	}
	got, _ := acquireAs(context.Background(), q, "B", nil)
	waitFor(t, "third queued", func() bool { return queued(q) == 1 })
	r1()
	(<-got)()
	r2()
}
