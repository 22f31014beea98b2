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
	path := filepath.Join(e.dir, coll, "marktordnung.pdf")
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
