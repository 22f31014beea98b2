package library_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/civitas-eu/civitas/internal/dbtest"
	"github.com/civitas-eu/civitas/internal/jobs"
	"github.com/civitas-eu/civitas/internal/library"
)

// TestUnstorableUploadNamesNoInternals (pen-test finding F6): an upload
// queued before originals were kept in the store is moved into its
// collection folder after the ingest; when that folder cannot be used
// (here a symlink out of the upload directory) the job fails with a
// reason naming the file and the problem, not the system call, error
// text or server path behind it. Uploads queued now never reach that
// move (their file is in the originals store), so the job is queued
// here as the older build queued it.
func TestUnstorableUploadNamesNoInternals(t *testing.T) {
	e := newEnv(t)
	w := e.worker(t, "legacy", e.emb)
	coll := dbtest.UniqueName("lib-")
	incoming := filepath.Join(e.dir, ".incoming")
	if err := os.MkdirAll(incoming, 0o750); err != nil {
		t.Fatal(err)
	}
	waiting := filepath.Join(incoming, "legacy-memo.txt")
	if err := os.WriteFile(waiting, []byte("Das Bürgerbüro ist am Montag geschlossen."), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(t.TempDir(), filepath.Join(e.dir, coll)); err != nil {
		t.Fatal(err)
	}
	a := library.Args{File: "memo.txt", Collection: coll, Groups: []string{}, Incoming: waiting,
		Path: filepath.Join(e.dir, coll, "memo.txt")}
	j, err := w.queue.Enqueue(context.Background(), e.kind, a, jobs.EnqueueOptions{CreatedBy: "km"})
	if err != nil {
		t.Fatal(err)
	}
	j = waitJob(t, w.queue, j.ID)
	if j.Status != jobs.StatusFailed || !strings.Contains(j.Error, "memo.txt cannot be stored") {
		t.Fatalf("job %s %q, want failed: memo.txt cannot be stored", j.Status, j.Error)
	}
	for _, internal := range []string{"mkdirat", "statat", "escapes", e.dir, "/"} {
		if strings.Contains(j.Error, internal) {
			t.Errorf("the job's reason %q shows %q", j.Error, internal)
		}
	}
}
