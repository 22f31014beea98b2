package library_test

import (
	"os"
	"strings"
	"testing"

	"github.com/civitas-eu/civitas/internal/extract"
	"github.com/civitas-eu/civitas/internal/jobs"
	"github.com/civitas-eu/civitas/internal/library"
)

// TestMain makes this test binary its own parser child, as the
// assistant's main does.
func TestMain(m *testing.M) {
	if extract.IsChild(os.Args) {
		os.Exit(extract.RunChild(os.Args[2:], os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// TestUploadParserKilledFailsJobOnce: an upload whose parser process dies
// at its memory limit fails its job at once, permanently, with a reason
// naming the file and the limit; the worker goes on with the next upload.
func TestUploadParserKilledFailsJobOnce(t *testing.T) {
	e := newEnv(t)
	w := e.worker(t, "sandbox", e.emb, func(c *library.Config) { c.Sandbox = &extract.Sandbox{Memory: 64 << 20} })
	collection := "sandbox"
	// Parsed in process this is a plain text file; its parser needs more
	// than 64 MiB for it.
	big := []byte("# Protokoll\n\n" + strings.Repeat("Der Ausschuss berät über den Haushalt. ", 800_000))
	j := waitJob(t, w.queue, upload(t, w.lib, collection, "protokoll.md", big).ID)
	if j.Status != jobs.StatusFailed || j.Attempts != 1 {
		t.Fatalf("job %s after %d attempts (%s); want failed after one", j.Status, j.Attempts, j.Error)
	}
	t.Logf("job error: %s", j.Error)
	for _, want := range []string{"protokoll.md", "parser exceeded its memory limit of 64 MiB"} {
		if !strings.Contains(j.Error, want) {
			t.Errorf("job error %q does not say %q", j.Error, want)
		}
	}
	next := waitJob(t, w.queue, upload(t, w.lib, collection, "next.pdf", makePDF(t, "Nächste", "Die Arbeit geht weiter.")).ID)
	if next.Status != jobs.StatusDone {
		t.Fatalf("next upload %s: %s", next.Status, next.Error)
	}
}
