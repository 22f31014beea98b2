package server_test

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/civitas-eu/civitas/internal/auth"
)

// legacyFile turns document id into one ingested before originals were
// kept in the store: its original is dropped from the store and content
// lies at its source path instead.
func (b libBundle) legacyFile(t *testing.T, id int64, content []byte) string {
	t.Helper()
	if _, err := b.pool.Exec(context.Background(), `DELETE FROM originals WHERE hash = (SELECT content_hash FROM documents WHERE id = $1)`, id); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(b.uploadDir, b.collection, "memo.txt")
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		t.Fatal(err)
	}
	if content != nil {
		if err := os.WriteFile(path, content, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

// TestFileRouteGoneOnHashMismatch: an original whose stored bytes no
// longer have the version's hash is not served (410, none of its
// content), whether it is damaged in the store or, for a document from
// before the store, edited at its path; an intact one is served from the
// store even though no file lies in the upload directory.
func TestFileRouteGoneOnHashMismatch(t *testing.T) {
	b := setupLibrary(t, 1<<20, 8<<20, auth.Config{})
	b.startWorker()
	// Content of this test's own: the store keeps one copy per content,
	// shared with other tests' documents.
	memo := []byte("Dienstanweisung " + b.collection + "\n\nDie Kantine ist werktags von 11 bis 14 Uhr geöffnet.\n")
	id := b.uploadMemo(t, memo, "", 1)
	url := b.url + "/api/documents/" + itoa(id) + "/file"
	if resp, raw := request(t, "GET", url, "otto", nil, nil, nil); resp.StatusCode != http.StatusOK || !bytes.Equal(raw, memo) {
		t.Fatalf("stored original: %d %q", resp.StatusCode, raw)
	}
	if _, err := os.Stat(filepath.Join(b.uploadDir, b.collection, "memo.txt")); !os.IsNotExist(err) {
		t.Fatalf("the upload directory holds the file (%v); want it only in the store", err)
	}
	// One byte changed in the stored chunk.
	if _, err := b.pool.Exec(context.Background(), `UPDATE original_chunks SET data = overlay(data placing '\x58'::bytea from 3 for 1)
		WHERE original_id = (SELECT o.id FROM originals o JOIN documents d ON d.content_hash = o.hash WHERE d.id = $1)`, id); err != nil {
		t.Fatal(err)
	}
	if resp, raw := request(t, "GET", url, "otto", nil, nil, nil); resp.StatusCode != http.StatusGone || bytes.Contains(raw, []byte("Kantine")) {
		t.Fatalf("damaged original: %d %q, want 410 without its content", resp.StatusCode, raw)
	}
}
