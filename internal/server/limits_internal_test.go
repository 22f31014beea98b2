package server

import (
	"context"
	"errors"
	"testing"
	"time"
)

// The rate limit is a bucket of RatePerMinute questions that refills
// continuously; a refusal says how long until the next question.
func TestAnswerGateRate(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	g := newAnswerGate(Limits{RatePerMinute: 3}, newMetrics())
	g.now = func() time.Time { return now }
	for i := range 3 {
		tk, err := g.enter("u")
		if err != nil {
			t.Fatalf("question %d: %v", i+1, err)
		}
		tk.release()
	}
	_, err := g.enter("u")
	var le *limitError
	if !errors.As(err, &le) || le.RetryAfter() != 20*time.Second {
		t.Fatalf("fourth question: %v, want a refusal for 20s", err)
	}
	if tk, err := g.enter("v"); err != nil {
		t.Errorf("another user: %v", err)
	} else {
		tk.release()
	}
	now = now.Add(20 * time.Second)
	if tk, err := g.enter("u"); err != nil {
		t.Errorf("after 20s: %v", err)
	} else {
		tk.release()
	}
	// Users whose buckets filled up again are forgotten.
	now = now.Add(time.Hour)
	g.enter("w")
	if len(g.buckets) != 1 {
		t.Errorf("%d buckets kept, want only the new user's", len(g.buckets))
	}
}

// Questions beyond MaxAnswers wait in order and are told when they move
// up; one that gives up leaves its place to the next.
func TestAnswerGateQueue(t *testing.T) {
	t.Parallel()
	g := newAnswerGate(Limits{MaxAnswers: 1, MaxAnswersPerUser: 2, QueueWait: time.Minute}, newMetrics())
	running, _ := g.enter("a")
	second, _ := g.enter("b")
	third, _ := g.enter("c")
	if p := []int{running.position(), second.position(), third.position()}; p[0] != 0 || p[1] != 1 || p[2] != 2 {
		t.Fatalf("positions %v, want 0 1 2", p)
	}
	ctx, cancel := context.WithCancel(context.Background())
	gaveUp := make(chan error, 1)
	go func() { gaveUp <- second.wait(ctx, nil) }()
	cancel()
	if err := <-gaveUp; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled wait: %v", err)
	}
	moved := make(chan int, 4)
	got := make(chan error, 1)
	go func() { got <- third.wait(context.Background(), func(p int) { moved <- p }) }()
	if p := third.position(); p != 1 {
		t.Errorf("after the second left: position %d, want 1", p)
	}
	running.release()
	if err := <-got; err != nil {
		t.Fatalf("wait: %v", err)
	}
	third.release()
	third.release() // twice is harmless
	if g.running != 0 || len(g.queue) != 0 || len(g.users) != 0 {
		t.Errorf("after all: running %d, queue %d, users %v", g.running, len(g.queue), g.users)
	}
}
