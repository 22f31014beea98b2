package modeladmin_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/civitas-eu/civitas/internal/dbtest"
	"github.com/civitas-eu/civitas/internal/jobs"
	"github.com/civitas-eu/civitas/internal/modeladmin"
	"github.com/civitas-eu/civitas/internal/ollama/ollamatest"
	"github.com/civitas-eu/civitas/internal/store"
)

// TestReembedJobResumedByAnotherWorker runs the re-embed as a queued job
// on the shared database: worker A stops mid-job (its process shutting
// down), worker B picks the job up and finishes it. The model switched to
// is a private copy of the 8-dim shared model under a unique name, so that
// no other test's model is touched, and the previous model is restored
// afterwards.
func TestReembedJobResumedByAnotherWorker(t *testing.T) {
	dbtest.LockActiveModels(t)
	pool := dbtest.Migrated(t)
	ctx := context.Background()
	cfg := modeladmin.Config{ReembedBatch: 4, ReembedPause: 20 * time.Millisecond}
	e := newEnv(t, pool, cfg)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))

	name := dbtest.UniqueName("civitas-test-embed-")
	if _, err := e.llm.ImportGGUF(ctx, name, filepath.Join(ollamatest.ModelsDir(), ollamatest.RandomFile)); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Seed(ctx, e.big, e.small); err != nil {
		t.Fatal(err)
	}
	_, prev := e.active.ActiveModels()
	t.Cleanup(func() {
		// Back to the model the other tests expect, then rid the database
		// and Ollama of the copy.
		if _, err := e.svc.Reembed(ctx, prev, "test cleanup", nil); err != nil {
			t.Errorf("restore %s: %v", prev, err)
		}
		if _, err := e.svc.DropEmbeddings(ctx, name); err != nil {
			t.Errorf("drop %s: %v", name, err)
		}
		if err := e.llm.Delete(ctx, name); err != nil {
			t.Errorf("delete %s: %v", name, err)
		}
	})
	prevModel, err := e.svc.PrepareEmbed(ctx, prev) // registered here on a fresh database
	if err != nil {
		t.Fatal(err)
	}
	e.writeDoc(t, dbtest.UniqueName("models-job-"), prevModel, 12)

	// Worker A takes small, slow steps so that it is stopped midway; B
	// finishes at full speed (the shared database holds every test's
	// chunks, and the re-embed covers them all).
	worker := func(id string, cfg modeladmin.Config) (*modeladmin.Service, *jobs.Queue) {
		q, err := jobs.New(pool, log, jobs.Config{Worker: id, Poll: 50 * time.Millisecond, Lease: 3 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		svc := modeladmin.New(modeladmin.Deps{Store: e.st, Ollama: e.llm, Active: modeladmin.NewActive(e.st, 0, nil), Queue: q}, cfg, log)
		q.Register(svc.Handlers()...)
		return svc, q
	}
	svcA, qa := worker("worker-a", cfg)
	j, err := svcA.StartReembed(ctx, name, "admin")
	if err != nil {
		t.Fatal(err)
	}
	ctxA, stopA := context.WithCancel(ctx)
	doneA := make(chan error, 1)
	go func() { doneA <- qa.Run(ctxA) }()
	waitJob(t, qa, j.ID, func(j jobs.Job) bool { return j.Status == jobs.StatusRunning && j.Progress.Done >= 8 })
	stopA()
	if err := <-doneA; err != nil {
		t.Fatalf("worker A stopped with %v", err)
	}
	mid, _ := qa.Get(ctx, j.ID)
	m, err := e.st.EmbeddingModel(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	total, done, err := e.st.EmbeddingCoverage(ctx, m)
	if err != nil {
		t.Fatal(err)
	}
	if mid.Status != jobs.StatusQueued || done == 0 || done >= total {
		t.Fatalf("after worker A stopped: job %s, %d of %d chunks embedded; want queued, part done", mid.Status, done, total)
	}
	assertActiveEmbed(t, e, prev)

	_, qb := worker("worker-b", modeladmin.Config{ReembedBatch: 128, ReembedPause: -1})
	ctxB, stopB := context.WithCancel(ctx)
	doneB := make(chan error, 1)
	go func() { doneB <- qb.Run(ctxB) }()
	t.Cleanup(func() { stopB(); <-doneB })
	final := waitJob(t, qb, j.ID, func(j jobs.Job) bool { return j.Status != jobs.StatusQueued && j.Status != jobs.StatusRunning })
	if final.Status != jobs.StatusDone || final.Progress.Done != final.Progress.Total {
		t.Fatalf("job ended %s (%s), progress %+v", final.Status, final.Error, final.Progress)
	}
	assertActiveEmbed(t, e, name)
	var dup, missing int64
	err = pool.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM (SELECT chunk_id FROM embeddings WHERE model_id = $1 GROUP BY 1 HAVING count(*) > 1) d),
		(SELECT count(*) FROM chunks c JOIN documents d ON d.id = c.document_id AND d.superseded_by IS NULL
		  WHERE NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.chunk_id = c.id AND e.model_id = $1))`, m.ID).Scan(&dup, &missing)
	if err != nil {
		t.Fatal(err)
	}
	if dup != 0 || missing != 0 {
		t.Errorf("after the job: %d chunks with several vectors, %d without one; want 0 and 0", dup, missing)
	}
	changes, err := e.svc.Changes(ctx, 1)
	if err != nil || changes[0].To != name || changes[0].From != prev || changes[0].Role != store.RoleEmbed {
		t.Errorf("latest change %+v (%v), want %s -> %s", changes, err, prev, name)
	}
}

// waitJob polls job id until ok says so, failing after five minutes.
func waitJob(t *testing.T, q *jobs.Queue, id int64, ok func(jobs.Job) bool) jobs.Job {
	t.Helper()
	deadline := time.Now().Add(5 * time.Minute)
	for {
		j, err := q.Get(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if ok(j) {
			return j
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %d still %s (%+v) after five minutes", id, j.Status, j.Progress)
		}
		time.Sleep(20 * time.Millisecond) // polling a database row: nothing to wait on
	}
}
