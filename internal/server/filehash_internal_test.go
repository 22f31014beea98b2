package server

import (
	"bytes"
	"crypto/sha256"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// TestFileHashedOnceUntilChanged (S3): a document file is hashed on its
// first request only, not on each of a PDF viewer's Range requests; a
// file written since (new size, new times) or replaced (new inode) is
// hashed again, so a changed file still fails the check (410).
func TestFileHashedOnceUntilChanged(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the file identity is read on Linux only; elsewhere every request hashes")
	}
	t.Parallel()
	path := filepath.Join(t.TempDir(), "memo.txt")
	v1 := []byte("Die Kantine ist werktags geöffnet.\n")
	if err := os.WriteFile(path, v1, 0o600); err != nil {
		t.Fatal(err)
	}
	want := sha256.Sum256(v1)
	c := newFileHashes()
	hashes := 0
	c.hashed = func() { hashes++ }
	check := func(name string, wantMatch bool, wantHashes int) {
		t.Helper()
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil {
			t.Fatal(err)
		}
		got, err := c.matches(f, path, st, want[:])
		if err != nil || got != wantMatch || hashes != wantHashes {
			t.Fatalf("%s: match %v (%v) after %d hashes, want %v after %d", name, got, err, hashes, wantMatch, wantHashes)
		}
	}
	check("first request", true, 1)
	check("second request", true, 1)
	check("third request", true, 1)

	// Same size, modification time set back: the change time differs.
	old, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	forged := bytes.Repeat([]byte("X"), len(v1))
	if err := os.WriteFile(path, forged, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, time.Time{}, old.ModTime()); err != nil {
		t.Fatal(err)
	}
	check("rewritten in place, mtime kept", false, 2)

	// Replaced by rename, with the original bytes: hashed again, matches.
	tmp := path + ".new"
	if err := os.WriteFile(tmp, v1, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
	check("replaced", true, 3)
	check("replaced, again", true, 3)
}
