package library_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/civitas-eu/civitas/internal/dbtest"
	"github.com/civitas-eu/civitas/internal/jobs"
	"github.com/civitas-eu/civitas/internal/library"
)

// TestReingestErrorsNameOnlyTheFile: when a document's file cannot be
// re-ingested, the user is told which file and why, without the server
// path or the system's error.
func TestReingestErrorsNameOnlyTheFile(t *testing.T) {
	e := newEnv(t)
	coll := dbtest.UniqueName("lib-")
	w := e.worker(t, "w", e.emb)
	v := upload(t, w.lib, coll, "marktordnung.pdf", makePDF(t, "Marktordnung", "Der Wochenmarkt findet mittwochs und samstags statt."))
	j := waitJob(t, w.queue, v.ID)
	if j.Status != jobs.StatusDone {
		t.Fatalf("upload: %s %s", j.Status, j.Error)
	}
	l, err := w.lib.List(context.Background(), coll)
	if err != nil || len(l.Documents) != 1 {
		t.Fatalf("listing %+v, %v", l.Documents, err)
	}
	// Re-ingest reads the stored original on any replica, with no file in
	// the upload directory.
	path := filepath.Join(e.dir, coll, "marktordnung.pdf")
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("upload directory holds the document's file (%v); want it only in the store", err)
	}
	rv, err := w.lib.Reingest(context.Background(), l.Documents[0].ID, "km")
	if err != nil {
		t.Fatal(err)
	}
	if j := waitJob(t, w.queue, rv.ID); j.Status != jobs.StatusDone {
		t.Fatalf("re-ingest from the store: %s %s", j.Status, j.Error)
	}
	// The forced re-ingest made a new version.
	if l, err = w.lib.List(context.Background(), coll); err != nil || len(l.Documents) != 1 {
		t.Fatalf("listing %+v, %v", l.Documents, err)
	}
	// A document whose original is not in the store (ingested before it
	// existed) is re-ingested from its file, if that is there.
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		t.Fatal(err)
	}
	if _, err := e.pool.Exec(context.Background(), `DELETE FROM originals WHERE hash = (SELECT content_hash FROM documents WHERE id = $1)`, l.Documents[0].ID); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		setup func() error
		want  string
	}{
		{"gone", func() error { return nil }, "the file of marktordnung.pdf is no longer on the server; upload it again"},
		// An upload is never a link: one in its place (here a loop) is not
		// followed (issue 12).
		{"symlink", func() error { return os.Symlink(path, path) }, "the file of marktordnung.pdf is not a regular file on the server"},
		{"folder", func() error { return os.Mkdir(path, 0o750) }, "the file of marktordnung.pdf is not a regular file on the server"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := os.RemoveAll(path); err != nil {
				t.Fatal(err)
			}
			if err := tt.setup(); err != nil {
				t.Fatal(err)
			}
			_, err := w.lib.Reingest(context.Background(), l.Documents[0].ID, "km")
			var ie *library.InputError
			if !errors.As(err, &ie) || ie.Message != tt.want || strings.Contains(ie.Message, e.dir) {
				t.Fatalf("Reingest: %v; want the input error %q", err, tt.want)
			}
		})
	}
}
