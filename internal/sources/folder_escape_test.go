package sources_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/civitas-eu/civitas/internal/sources"
)

// TestFolderSourceStaysUnderItsRoots: a folder source must lie under
// --sources-folder-roots however its path is spelt ("..", a symlink to
// outside), and a symlink inside it that leads out is not a document.
func TestFolderSourceStaysUnderItsRoots(t *testing.T) {
	base := t.TempDir()
	root, outside := filepath.Join(base, "shares"), filepath.Join(base, "private")
	for _, d := range []string{filepath.Join(root, "bauamt"), outside} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write(t, filepath.Join(outside, "secret.md"), "# Secret")
	write(t, filepath.Join(root, "bauamt", "plan.md"), "# Plan")
	for link, target := range map[string]string{filepath.Join(root, "escape"): outside,
		filepath.Join(root, "bauamt", "leak.md"): filepath.Join(outside, "secret.md")} {
		if err := os.Symlink(target, link); err != nil {
			t.Fatal(err)
		}
	}
	folder := sources.Kinds()["folder"]
	for _, u := range []string{outside, filepath.Join(root, "..", "private"), filepath.Join(root, "escape"), "/etc", "relative/dir"} {
		if _, err := folder(sources.Config{URL: u, FolderRoots: []string{root}}); err == nil {
			t.Errorf("a folder source at %s is accepted with root %s", u, root)
		}
	}
	if _, err := folder(sources.Config{URL: outside}); err == nil {
		t.Error("a folder source is accepted with no roots configured")
	}
	l, err := folder(sources.Config{URL: "file://" + filepath.Join(root, "bauamt"), FolderRoots: []string{root}})
	if err != nil {
		t.Fatal(err)
	}
	entries, err := l.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Key != "plan.md" {
		t.Errorf("entries %+v, want plan.md only", entries)
	}
	if rc, err := l.Open(context.Background(), sources.Entry{Key: "leak.md"}); err == nil {
		rc.Close()
		t.Error("a symlink leading out of the folder can be opened")
	}
	if rc, err := l.Open(context.Background(), sources.Entry{Key: "../../private/secret.md"}); err == nil {
		rc.Close()
		t.Error("a key with .. opens a file outside the folder")
	}
}
