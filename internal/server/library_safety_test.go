package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/civitas-eu/civitas/internal/auth"
	"github.com/civitas-eu/civitas/internal/sharedtest"
)

// TestLibraryDeleteAudited: deleting through the library records
// document.deleted with the signed-in user as the actor, listing every
// version deleted with the document.
func TestLibraryDeleteAudited(t *testing.T) {
	b := setupLibrary(t, 1<<20, 8<<20, auth.Config{})
	b.startWorker()
	text := []byte("Die Bibliothek ist dienstags und donnerstags von 10 bis 18 Uhr geöffnet.\n")
	for i, data := range [][]byte{text, append(text, []byte("Samstags von 10 bis 13 Uhr.\n")...)} {
		if status, body := b.upload(t, km, formField("collection", b.collection), file("bibliothek.txt", data)); status != http.StatusAccepted {
			t.Fatalf("upload %d: %d %v", i, status, body)
		}
		b.waitJobs(t, i+1)
	}
	l := b.list(t)
	if len(l.Documents) != 1 || l.Documents[0].Versions != 2 {
		t.Fatalf("documents %+v, want one with two versions", l.Documents)
	}
	id := l.Documents[0].ID
	if status, body := libraryDo(t, "DELETE", b.url+"/api/library/documents/"+itoa(id), km, nil, nil); status != http.StatusNoContent {
		t.Fatalf("delete: %d %v", status, body)
	}
	var actor string
	var raw []byte
	err := b.pool.QueryRow(context.Background(), `SELECT p.actor, l.details FROM audit_log l
		JOIN audit_personal p ON p.audit_id = l.id
		WHERE l.action = 'document.deleted' AND l.target = $1`, "document:"+itoa(id)).Scan(&actor, &raw)
	if err != nil {
		t.Fatalf("document.deleted event of document %d: %v", id, err)
	}
	var details struct {
		DocumentID int64  `json:"document_id"`
		Collection string `json:"collection"`
		Source     string `json:"source"`
		Versions   []struct {
			DocumentID int64 `json:"document_id"`
			Version    int   `json:"version"`
		} `json:"versions"`
	}
	if err := json.Unmarshal(raw, &details); err != nil {
		t.Fatal(err)
	}
	if actor != "kim" || details.DocumentID != id || details.Collection != b.collection ||
		!strings.HasSuffix(details.Source, "bibliothek.txt") || len(details.Versions) != 2 {
		t.Fatalf("event by %q with details %s; want kim deleting both versions of document %d", actor, raw, id)
	}
}

// TestLibraryFailedVersionKeepsOriginal: a new file under the name of a
// stored document that fails to ingest leaves the current version and its
// original file as they were.
func TestLibraryFailedVersionKeepsOriginal(t *testing.T) {
	b := setupLibrary(t, 1<<20, 8<<20, auth.Config{})
	b.startWorker()
	v1 := libraryPDF(t)
	broken, err := os.ReadFile(filepath.Join(sharedtest.DataDir(t), "hostile", "encrypted_user_password_issue6010.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	for i, data := range [][]byte{v1, broken} {
		if status, body := b.upload(t, km, formField("collection", b.collection), file("satzung.pdf", data)); status != http.StatusAccepted {
			t.Fatalf("upload %d: %d %v", i, status, body)
		}
		b.waitJobs(t, i+1)
	}
	l := b.list(t)
	if len(l.Jobs) != 2 || l.Jobs[0].Status != "failed" || l.Jobs[1].Status != "done" {
		t.Fatalf("jobs %+v, want the second failed and the first done", l.Jobs)
	}
	if len(l.Documents) != 1 || l.Documents[0].Versions != 1 {
		t.Fatalf("documents %+v, want version 1 only", l.Documents)
	}
	resp, raw := request(t, "GET", b.url+"/api/documents/"+itoa(l.Documents[0].ID)+"/file", "kim", nil, nil, nil)
	if resp.StatusCode != http.StatusOK || !bytes.Equal(raw, v1) {
		t.Fatalf("GET file: %d, %d bytes; want version 1's %d bytes", resp.StatusCode, len(raw), len(v1))
	}
}
