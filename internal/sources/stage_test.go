package sources_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/civitas-eu/civitas/internal/sources"
)

// TestStageHostileNames: an entry name chosen by a source's server (a
// WebDAV href, an S3 key, an OParl file name) is staged inside the
// staging folder under a usable name that keeps its extension, whatever
// it holds: "..", an absolute path, NUL or control bytes, 300 bytes.
func TestStageHostileNames(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"../../etc/passwd.md", "/abs/x.md", "a\x00b.md", "tab\tnew\nline.md",
		strings.Repeat("a", 300) + ".md", "..", ""} {
		p, err := sources.Stage(dir, sources.Entry{Name: name}, strings.NewReader("# x"), 0)
		if err != nil {
			t.Errorf("stage %q: %v", name, err)
			continue
		}
		if rel, err := filepath.Rel(dir, p); err != nil || !filepath.IsLocal(rel) {
			t.Errorf("stage %q: %s is outside the staging folder", name, p)
		}
		if base := filepath.Base(p); len(base) > 200 || strings.ContainsAny(base, "\x00\t\n") {
			t.Errorf("stage %q: staged as %q", name, base)
		}
		if strings.HasSuffix(name, ".md") && filepath.Ext(p) != ".md" {
			t.Errorf("stage %q: staged as %q, the extension is lost", name, filepath.Base(p))
		}
	}
}
