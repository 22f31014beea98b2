package library_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/civitas-eu/civitas/internal/dbtest"
	"github.com/civitas-eu/civitas/internal/jobs"
	"github.com/civitas-eu/civitas/internal/library"
)

// incomingFiles lists what waits in the upload directory's .incoming.
func incomingFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(dir, ".incoming"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// waitOriginalGone polls until the originals store no longer holds the
// file: a job's end hook releases it just after the job's status is
// written, so a test that saw the status may look before the release.
func waitOriginalGone(t *testing.T, e env, hexHash string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for hasOriginal(t, e, hexHash) {
		if time.Now().After(deadline) {
			t.Fatal("the ended upload's file is still stored")
		}
		time.Sleep(20 * time.Millisecond) // polling interval, bounded by the deadline
	}
}

// waitIncomingEmpty polls until .incoming holds no file.
func waitIncomingEmpty(t *testing.T, dir string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for len(incomingFiles(t, dir)) > 0 {
		if time.Now().After(deadline) {
			t.Fatalf(".incoming still holds %v", incomingFiles(t, dir))
		}
		time.Sleep(20 * time.Millisecond) // polling interval, bounded by the deadline
	}
}

// TestEndedJobDropsItsUpload: the waiting file of an upload whose job
// failed or was cancelled is removed.
func TestEndedJobDropsItsUpload(t *testing.T) {
	e := newEnv(t)
	coll := dbtest.UniqueName("lib-")
	gate := newGate(e.emb, false)
	w := e.worker(t, "w", gate)

	broken := append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte("kaputt "), 100)...)
	v := upload(t, w.lib, coll, "kaputt.pdf", broken)
	if j := waitJob(t, w.queue, v.ID); j.Status != jobs.StatusFailed {
		t.Fatalf("broken upload: %s, want failed", j.Status)
	}
	waitIncomingEmpty(t, e.dir)
	waitOriginalGone(t, e, sha256Hex(broken))

	gate.armed.Store(true)
	v = upload(t, w.lib, coll, "haushalt.pdf", makePDF(t, "Haushaltssatzung", "Der Haushalt umfasst 12 Millionen Euro."))
	waitEntered(t, gate.entered)
	if err := w.queue.Cancel(context.Background(), v.ID); err != nil {
		t.Fatal(err)
	}
	waitIncomingEmpty(t, e.dir)
	if j, err := w.queue.Get(context.Background(), v.ID); err != nil || j.Status != jobs.StatusCancelled {
		t.Fatalf("cancelled job: %+v, %v", j, err)
	}
}

// TestShutdownKeepsUpload: a job whose file fails for good just as its
// worker shuts down goes back to the queue, and its upload stays with it:
// the next run fails the file for its own reason, not for a missing
// upload, and only then removes it.
func TestShutdownKeepsUpload(t *testing.T) {
	e := newEnv(t)
	coll := dbtest.UniqueName("lib-")
	// A job asks for the active model when it starts and again once its
	// file is done (in case of a switch); the second time, the worker
	// holds it until the worker stops.
	held := make(chan struct{})
	var asked atomic.Int32
	a := e.worker(t, "a", e.emb, func(c *library.Config) {
		c.EmbedModel = func(ctx context.Context) (string, error) {
			if asked.Add(1) == 2 {
				close(held)
				<-ctx.Done()
			}
			return e.model, nil
		}
	})
	broken := append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte("kaputt "), 100)...)
	v := upload(t, a.lib, coll, "kaputt.pdf", broken)
	waitEntered(t, held)
	a.stop()
	if j, err := a.queue.Get(context.Background(), v.ID); err != nil || j.Status != jobs.StatusQueued {
		t.Fatalf("job after its worker stopped: %+v, %v; want queued", j, err)
	}
	if !hasOriginal(t, e, sha256Hex(broken)) {
		t.Fatal("the upload of the job given back is no longer stored")
	}

	b := e.worker(t, "b", e.emb)
	j := waitJob(t, b.queue, v.ID)
	if j.Status != jobs.StatusFailed || !strings.Contains(j.Error, "kaputt.pdf") || strings.Contains(j.Error, "no longer on the server") {
		t.Fatalf("next run: %s %q; want failed for the file's own reason", j.Status, j.Error)
	}
	waitIncomingEmpty(t, e.dir)
	waitOriginalGone(t, e, sha256Hex(broken))
}

// TestSweepIncoming: start-up removes day-old uploads that no job waits
// for, and keeps fresh ones and those a queued job names.
func TestSweepIncoming(t *testing.T) {
	e := newEnv(t)
	q, err := jobs.New(e.pool, e.log, jobs.Config{}) // never run: its jobs stay queued
	if err != nil {
		t.Fatal(err)
	}
	lib, err := library.New(e.store, q, e.emb, e.log, library.Config{UploadDir: e.dir, Kind: e.kind, Originals: e.orig,
		EmbedModel: func(context.Context) (string, error) { return e.model, nil }})
	if err != nil {
		t.Fatal(err)
	}
	receive := func(name string) library.Incoming {
		in, err := lib.Receive(name, bytes.NewReader([]byte("Sitzung des Stadtrats am Montag um 18 Uhr.")))
		if err != nil || in.Path == "" {
			t.Fatalf("receive %s: %v %q", name, err, in.Rejected)
		}
		return in
	}
	orphan, fresh, queued := receive("alt.txt"), receive("neu.txt"), receive("wartet.txt")
	if _, err := lib.Enqueue(context.Background(), library.Upload{Collection: dbtest.UniqueName("lib-"), User: "km"}, []library.Incoming{queued}); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-25 * time.Hour)
	for _, in := range []library.Incoming{orphan} {
		if err := os.Chtimes(in.Path, old, old); err != nil {
			t.Fatal(err)
		}
	}
	n, err := lib.SweepIncoming(context.Background())
	if err != nil || n != 1 {
		t.Fatalf("SweepIncoming = %d, %v; want 1 removed", n, err)
	}
	for _, c := range []struct {
		in   library.Incoming
		kept bool
	}{{orphan, false}, {fresh, true}, {queued, false /* moved to the originals store when queued */}} {
		if _, err := os.Stat(c.in.Path); (err == nil) != c.kept {
			t.Errorf("%s: stat %v, want kept %v", c.in.Name, err, c.kept)
		}
	}
}
