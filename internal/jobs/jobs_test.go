package jobs

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/civitas-eu/civitas/internal/dbtest"
)

func newQueue(t *testing.T, cfg Config) *Queue {
	t.Helper()
	if cfg.Poll == 0 {
		cfg.Poll = 20 * time.Millisecond
	}
	if cfg.Backoff == 0 {
		cfg.Backoff = time.Millisecond
	}
	q, err := New(dbtest.Migrated(t), slog.New(slog.NewTextHandler(io.Discard, nil)), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// start runs q until the test ends and returns a stop function that waits
// for Run to return.
func start(t *testing.T, q *Queue) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- q.Run(ctx) }()
	stop = func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}
	t.Cleanup(func() {
		if ctx.Err() == nil {
			stop()
		}
	})
	return stop
}

// waitFor polls job id until cond holds or the deadline passes.
func waitFor(t *testing.T, q *Queue, id int64, what string, cond func(Job) bool) Job {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		j, err := q.Get(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if cond(j) {
			return j
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %d never became %s; last state %+v", id, what, j)
		}
		time.Sleep(10 * time.Millisecond) // polling interval, not a wait for an outcome
	}
}

func status(s string) func(Job) bool { return func(j Job) bool { return j.Status == s } }

func TestEnqueueGetListUnique(t *testing.T) {
	ctx := context.Background()
	q := newQueue(t, Config{})
	kind := dbtest.UniqueName("test-")
	a, err := q.Enqueue(ctx, kind, map[string]string{"file": "a.pdf"}, EnqueueOptions{CreatedBy: "km", Unique: "daily"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := q.Enqueue(ctx, kind, map[string]string{"file": "b.pdf"}, EnqueueOptions{Unique: "daily"})
	if err != nil {
		t.Fatal(err)
	}
	if b.ID != a.ID {
		t.Errorf("second job with the same unique key: got id %d, want the existing %d", b.ID, a.ID)
	}
	c, err := q.Enqueue(ctx, kind, nil, EnqueueOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := q.Get(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	var args struct{ File string }
	if err := got.DecodeArgs(&args); err != nil || args.File != "a.pdf" || got.Status != StatusQueued || got.CreatedBy != "km" || got.MaxAttempts != 3 {
		t.Errorf("Get = %+v (args %+v, err %v)", got, args, err)
	}
	list, err := q.List(ctx, ListOptions{Kinds: []string{kind}})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].ID != c.ID || list[1].ID != a.ID {
		t.Errorf("List = %d jobs, want [%d %d] newest first", len(list), c.ID, a.ID)
	}
	if list, _ := q.List(ctx, ListOptions{Kinds: []string{kind}, CreatedBy: "km"}); len(list) != 1 {
		t.Errorf("List by creator = %d jobs, want 1", len(list))
	}
	if _, err := q.Get(ctx, -1); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get(-1) = %v, want ErrNotFound", err)
	}
}

func TestJobOutcomes(t *testing.T) {
	tests := []struct {
		name        string
		maxAttempts int
		handler     func(calls int) error
		wantStatus  string
		wantCalls   int
		wantError   string
	}{
		{"succeeds", 3, func(int) error { return nil }, StatusDone, 1, ""},
		{"retried then succeeds", 3, func(calls int) error {
			if calls < 2 {
				return errors.New("Ollama busy")
			}
			return nil
		}, StatusDone, 2, ""},
		{"retries exhausted", 2, func(int) error { return errors.New("Ollama busy") }, StatusFailed, 2, "Ollama busy"},
		{"permanent", 3, func(int) error { return Permanent(errors.New("damaged PDF")) }, StatusFailed, 1, "damaged PDF"},
		{"panic", 3, func(int) error { panic("bug") }, StatusFailed, 1, "internal error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			q := newQueue(t, Config{})
			kind := dbtest.UniqueName("test-")
			calls := 0
			q.Handle(kind, 1, func(ctx context.Context, j Job, r *Reporter) error {
				calls++
				if err := r.Progress(ctx, 1, 2, "half"); err != nil {
					return err
				}
				if err := r.SetResult(ctx, map[string]int{"calls": calls}); err != nil {
					return err
				}
				return tt.handler(calls)
			})
			j, err := q.Enqueue(ctx, kind, nil, EnqueueOptions{MaxAttempts: tt.maxAttempts})
			if err != nil {
				t.Fatal(err)
			}
			stop := start(t, q)
			got := waitFor(t, q, j.ID, tt.wantStatus, func(j Job) bool { return j.FinishedAt != nil })
			stop()
			if got.Status != tt.wantStatus || calls != tt.wantCalls || got.Attempts != tt.wantCalls {
				t.Errorf("status %s after %d calls (%d attempts), want %s after %d", got.Status, calls, got.Attempts, tt.wantStatus, tt.wantCalls)
			}
			if tt.wantError == "" && got.Error != "" || tt.wantError != "" && !strings.Contains(got.Error, tt.wantError) {
				t.Errorf("error = %q, want %q", got.Error, tt.wantError)
			}
			if got.Progress != (Progress{Done: 1, Total: 2, Message: "half"}) || len(got.Result) == 0 {
				t.Errorf("progress %+v, result %s", got.Progress, got.Result)
			}
		})
	}
}
