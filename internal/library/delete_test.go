package library_test

import (
	"context"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/civitas-eu/civitas/internal/dbtest"
	"github.com/civitas-eu/civitas/internal/ingest"
	"github.com/civitas-eu/civitas/internal/jobs"
)

// gateEmbedder, once armed, holds its first Embed until released or the
// job's context ends: a worker held, or stopped, mid-job.
type gateEmbedder struct {
	ingest.Embedder
	armed   atomic.Bool
	entered chan struct{} // closed when the Embed is held
	release chan struct{}
	once    sync.Once
}

func newGate(emb ingest.Embedder, armed bool) *gateEmbedder {
	g := &gateEmbedder{Embedder: emb, entered: make(chan struct{}), release: make(chan struct{})}
	g.armed.Store(armed)
	return g
}

func (g *gateEmbedder) Embed(ctx context.Context, model string, texts []string) ([][]float32, error) {
	if g.armed.Load() {
		first := false
		g.once.Do(func() { first = true })
		if first {
			close(g.entered)
			select {
			case <-g.release:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
	}
	return g.Embedder.Embed(ctx, model, texts)
}

// waitEntered waits until a job has reached the point where the test
// holds it (entered is closed), failing the test after a minute.
func waitEntered(t *testing.T, entered <-chan struct{}) {
	t.Helper()
	select {
	case <-entered:
	case <-time.After(60 * time.Second):
		t.Fatal("the job never reached the point where the test holds it")
	}
}

// TestDeleteWaitsForRunningJob: a document deleted while a new version of
// its file is being ingested is deleted with that version, and its file is
// gone: the delete waits for the job instead of running before it.
func TestDeleteWaitsForRunningJob(t *testing.T) {
	e := newEnv(t)
	coll := dbtest.UniqueName("lib-")
	ctx := context.Background()
	gate := newGate(e.emb, false)
	w := e.worker(t, "w", gate)
	v1 := upload(t, w.lib, coll, "wahlordnung.pdf", makePDF(t, "Wahlordnung", "Die Wahl findet am zweiten Sonntag im Mai statt."))
	j := waitJob(t, w.queue, v1.ID)
	if j.Status != jobs.StatusDone {
		t.Fatalf("first upload: %s %s", j.Status, j.Error)
	}
	cur, err := w.lib.List(ctx, coll)
	if err != nil || len(cur.Documents) != 1 {
		t.Fatalf("listing %+v, %v", cur.Documents, err)
	}
	path := filepath.Join(e.dir, coll, "wahlordnung.pdf")

	gate.armed.Store(true)
	second := makePDF(t, "Wahlordnung", "Die Wahl findet am dritten Sonntag im Juni statt.")
	v2 := upload(t, w.lib, coll, "wahlordnung.pdf", second)
	waitEntered(t, gate.entered)
	deleted := make(chan error, 1)
	go func() { deleted <- w.lib.Delete(ctx, cur.Documents[0].ID) }()
	// The delete waits on the job's path lock (the job holds it).
	deadline := time.Now().Add(30 * time.Second)
	for w.lib.PathUsers(path) < 2 {
		if time.Now().After(deadline) {
			t.Fatal("the delete never waited for the running job")
		}
		time.Sleep(5 * time.Millisecond) // polling interval, bounded by the deadline
	}
	close(gate.release)
	if j := waitJob(t, w.queue, v2.ID); j.Status != jobs.StatusDone {
		t.Fatalf("second upload: %s %s", j.Status, j.Error)
	}
	if err := <-deleted; err != nil {
		t.Fatalf("delete: %v", err)
	}
	if docs, _, _ := versions(t, e.pool, coll); docs != 0 {
		t.Errorf("%d versions left after the delete; want none", docs)
	}
	waitOriginalGone(t, e, sha256Hex(second)) // the job's end hook releases its hold just after its status
}

// TestDeleteKeepsSharedOriginal: the store keeps one file per content;
// deleting one of two documents made from it keeps it for the other, and
// deleting the last one removes it.
func TestDeleteKeepsSharedOriginal(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	w := e.worker(t, "w", e.emb)
	content := []byte("Aushang " + dbtest.UniqueName("") + ": Die Stadtbibliothek schließt am Freitag um 15 Uhr.\n")
	var ids []int64
	for range 2 {
		coll := dbtest.UniqueName("lib-")
		v := upload(t, w.lib, coll, "aushang.txt", content)
		if j := waitJob(t, w.queue, v.ID); j.Status != jobs.StatusDone {
			t.Fatalf("upload: %s %s", j.Status, j.Error)
		}
		l, err := w.lib.List(ctx, coll)
		if err != nil || len(l.Documents) != 1 {
			t.Fatalf("listing %+v, %v", l.Documents, err)
		}
		ids = append(ids, l.Documents[0].ID)
	}
	if err := w.lib.Delete(ctx, ids[0]); err != nil {
		t.Fatal(err)
	}
	if !hasOriginal(t, e, sha256Hex(content)) {
		t.Fatal("deleting one document removed the original another one still has")
	}
	if err := w.lib.Delete(ctx, ids[1]); err != nil {
		t.Fatal(err)
	}
	if hasOriginal(t, e, sha256Hex(content)) {
		t.Fatal("the original is still stored after its last document was deleted")
	}
}
