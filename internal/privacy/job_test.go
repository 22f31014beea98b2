package privacy_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/civitas-eu/civitas/internal/dbtest"
	"github.com/civitas-eu/civitas/internal/jobs"
	"github.com/civitas-eu/civitas/internal/privacy"
	"github.com/civitas-eu/civitas/internal/store"
)

// TestScheduledRetentionJob: Schedule puts a retention job on the real
// queue, a worker runs it, and a record older than the period is gone.
func TestScheduledRetentionJob(t *testing.T) {
	pool := dbtest.Migrated(t)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	st, err := store.New(pool)
	if err != nil {
		t.Fatal(err)
	}
	// 3650 days: only this test's backdated record can be due in the
	// shared database.
	user := "ret-" + dbtest.SchemaName()
	c, err := st.CreateConversation(ctx, user, "old")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, "UPDATE conversations SET updated_at = now() - interval '3651 days' WHERE id = $1", c.ID); err != nil {
		t.Fatal(err)
	}
	svc, err := privacy.New(pool, privacy.Config{Days: 3650, Action: privacy.ActionDelete}, log)
	if err != nil {
		t.Fatal(err)
	}
	q, err := jobs.New(pool, log, jobs.Config{Poll: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	q.Register(svc.Handler())
	start := time.Now()
	runDone := make(chan error, 1)
	go func() { runDone <- q.Run(ctx) }()
	go svc.Schedule(ctx, q, time.Hour)
	t.Cleanup(func() { cancel(); <-runDone })

	deadline := time.Now().Add(30 * time.Second)
	for {
		js, err := q.List(ctx, jobs.ListOptions{Kinds: []string{privacy.JobKind}, Statuses: []string{"done"}, Limit: 5})
		if err != nil {
			t.Fatal(err)
		}
		var res privacy.RetentionResult
		if len(js) > 0 && js[0].CreatedAt.After(start.Add(-time.Second)) && json.Unmarshal(js[0].Result, &res) == nil {
			if res.Conversations < 1 || res.Action != privacy.ActionDelete {
				t.Errorf("job result = %+v, want the old conversation deleted", res)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no retention job finished within 30s: %+v", js)
		}
		time.Sleep(20 * time.Millisecond) // polling the queue, with a deadline
	}
	if _, err := st.Conversation(ctx, c.ID, user); err == nil {
		t.Error("the conversation older than the retention period survived the job")
	}
}
