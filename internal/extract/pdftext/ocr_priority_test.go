//go:build linux

package pdftext

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOCRYieldsToTheEmbedder: tesseract runs with one thread and below the
// embedder's priority, so that OCR during an ingest takes only the cores
// the embedder leaves (issue 16). Fake pdftoppm and tesseract report what
// the real ones would run with.
func TestOCRYieldsToTheEmbedder(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, script string) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("#!/bin/bash\n"+script), 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	ppm := write("pdftoppm", `touch "${@: -1}.png"`+"\n")
	// The priority is lowered right after the start: poll (bounded) until
	// it is, then report it with the thread limit.
	tess := write("tesseract", `for i in $(seq 1 2000); do
  [ "$(cut -d' ' -f19 /proc/$$/stat)" = 10 ] && break
done
echo "nice=$(cut -d' ' -f19 /proc/$$/stat) omp=$OMP_THREAD_LIMIT"
`)
	e := &ocrEngine{tesseract: tess, pdftoppm: ppm, langs: "eng"}
	out, err := e.recognise(context.Background(), filepath.Join(dir, "doc.pdf"), dir, 1, 200)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(out); got != "nice=10 omp=1" {
		t.Errorf("tesseract ran with %q, want nice=10 omp=1 (one thread, below the embedder)", got)
	}
}
