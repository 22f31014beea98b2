package web_test

import (
	"encoding/json"
	"io/fs"
	"os"
	"strings"
	"testing"

	"github.com/civitas-eu/civitas/internal/web"
)

// TestVendoredPDFViewerIsThePinnedOne: the pdf.js files embedded in the
// binary are those of the version pinned in scripts/pdfjs (scripts/pdfjs.sh
// --check compares their bytes with the package, which npm ci checks
// against the lock's integrity hash); a half-done update fails here.
func TestVendoredPDFViewerIsThePinnedOne(t *testing.T) {
	raw, err := os.ReadFile("../../scripts/pdfjs/package.json")
	if err != nil {
		t.Fatal(err)
	}
	var pkg struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	if err := json.Unmarshal(raw, &pkg); err != nil {
		t.Fatal(err)
	}
	pinned := pkg.Dependencies["pdfjs-dist"]
	lock, err := os.ReadFile("../../scripts/pdfjs/package-lock.json")
	if err != nil || !strings.Contains(string(lock), `"node_modules/pdfjs-dist": {`+"\n"+`      "version": "`+pinned+`"`) {
		t.Errorf("package-lock.json does not pin pdfjs-dist %s (%v)", pinned, err)
	}
	fsys := web.FS()
	v, err := readEmbedded(fsys, "static/pdfjs/VERSION")
	if err != nil || strings.TrimSpace(v) != pinned {
		t.Errorf("static/pdfjs/VERSION = %q (%v), want the pinned %s: run scripts/pdfjs.sh", v, err, pinned)
	}
	for _, f := range []string{"static/pdfjs/pdf.min.mjs", "static/pdfjs/pdf.worker.min.mjs", "static/pdfjs/LICENSE"} {
		if s, err := readEmbedded(fsys, f); err != nil || len(s) < 1000 {
			t.Errorf("%s missing or empty (%v): run scripts/pdfjs.sh", f, err)
		}
	}
}

func readEmbedded(fsys fs.FS, name string) (string, error) {
	b, err := fs.ReadFile(fsys, name)
	return string(b), err
}
