package server_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/civitas-eu/civitas/internal/auth"
)

// memoV1 and memoV2 are two versions of memo.txt: the second restricted.
var (
	memoV1 = []byte("Dienstanweisung\n\nDie Kantine ist werktags von 11 bis 14 Uhr geöffnet.\n")
	memoV2 = []byte("Dienstanweisung (vertraulich)\n\nDer Tresorcode der Kämmerei lautet 4711-0815.\n")
)

// uploadMemo uploads memo.txt with groups ("" for public), waits for the
// job and returns the document id it stored.
func (b libBundle) uploadMemo(t *testing.T, data []byte, groups string, jobs int) int64 {
	t.Helper()
	parts := []part{formField("collection", b.collection), file("memo.txt", data)}
	if groups != "" {
		parts = append(parts, formField("groups", groups))
	}
	if status, body := b.upload(t, km, parts...); status != http.StatusAccepted {
		t.Fatalf("upload: %d %v", status, body)
	}
	l := b.waitJobs(t, jobs)
	j := l.Jobs[0] // newest first
	if j.Status != "done" || j.DocumentID == nil {
		t.Fatalf("upload job %+v, want done with a document", j)
	}
	return *j.DocumentID
}

// TestOldVersionIDServesNoRestrictedFile reproduces finding 1 of issue 12:
// memo.txt uploaded public (v1), then restricted to secret-grp (v2). An
// outsider must get neither v2's bytes through v1's id nor v1's record;
// a knowledge manager sees v1's record (history) but no file (410).
func TestOldVersionIDServesNoRestrictedFile(t *testing.T) {
	b := setupLibrary(t, 1<<20, 8<<20, auth.Config{})
	b.startWorker()
	v1 := b.uploadMemo(t, memoV1, "", 1)
	v2 := b.uploadMemo(t, memoV2, "secret-grp", 2)
	if v1 == v2 {
		t.Fatalf("the second upload stored no new version (id %d)", v1)
	}
	tests := []struct {
		name, url, user string
		groups          []string
		want            int
	}{
		{"outsider, old id's file", "/api/documents/" + itoa(v1) + "/file", "otto", nil, http.StatusNotFound},
		{"outsider, old id", "/api/documents/" + itoa(v1), "otto", nil, http.StatusNotFound},
		{"outsider, new id's file", "/api/documents/" + itoa(v2) + "/file", "otto", nil, http.StatusNotFound},
		{"manager, old id's file", "/api/documents/" + itoa(v1) + "/file", "kim", km, http.StatusGone},
		{"manager, old id", "/api/documents/" + itoa(v1), "kim", km, http.StatusOK},
		{"member, new id's file", "/api/documents/" + itoa(v2) + "/file", "sam", []string{"secret-grp"}, http.StatusOK},
		{"member, old id's file", "/api/documents/" + itoa(v1) + "/file", "sam", []string{"secret-grp"}, http.StatusNotFound},
	}
	for _, tt := range tests {
		resp, raw := request(t, "GET", b.url+tt.url, tt.user, tt.groups, nil, nil)
		if resp.StatusCode != tt.want {
			t.Errorf("%s: %d %s, want %d", tt.name, resp.StatusCode, raw, tt.want)
		}
		if tt.want != http.StatusOK && bytes.Contains(raw, []byte("4711")) {
			t.Errorf("%s: the reply holds the restricted content: %s", tt.name, raw)
		}
	}
	_, raw := request(t, "GET", b.url+"/api/documents/"+itoa(v1), "kim", km, nil, nil)
	var got struct {
		Document struct {
			SupersededBy *int64 `json:"superseded_by"`
		}
	}
	if err := json.Unmarshal(raw, &got); err != nil || got.Document.SupersededBy == nil || *got.Document.SupersededBy != v2 {
		t.Errorf("manager's view of the old version %s, want superseded by %d", raw, v2)
	}
}

// TestChangedDocumentFileIsGone: a file edited on the server after its
// ingest is not what its row describes; it is not served (410). (A
// document from before the originals store, served from its path.)
func TestChangedDocumentFileIsGone(t *testing.T) {
	b := setupLibrary(t, 1<<20, 8<<20, auth.Config{})
	b.startWorker()
	id := b.uploadMemo(t, memoV1, "", 1)
	url := b.url + "/api/documents/" + itoa(id) + "/file"
	path := b.legacyFile(t, id, memoV1)
	if resp, raw := request(t, "GET", url, "otto", nil, nil, nil); resp.StatusCode != http.StatusOK || !bytes.Equal(raw, memoV1) {
		t.Fatalf("unchanged file: %d %q", resp.StatusCode, raw)
	}
	if err := os.WriteFile(path, memoV2, 0o600); err != nil {
		t.Fatal(err)
	}
	if resp, raw := request(t, "GET", url, "otto", nil, nil, nil); resp.StatusCode != http.StatusGone || bytes.Contains(raw, []byte("4711")) {
		t.Fatalf("changed file: %d %q, want 410 without its content", resp.StatusCode, raw)
	}
}

// TestDocumentFileSymlinkOutsideRefused: a document's file replaced by a
// symlink leading out of its folder is not followed, even to a file with
// the very bytes the row describes. (A document from before the
// originals store, served from its path.)
func TestDocumentFileSymlinkOutsideRefused(t *testing.T) {
	b := setupLibrary(t, 1<<20, 8<<20, auth.Config{})
	b.startWorker()
	id := b.uploadMemo(t, memoV1, "", 1)
	outside := filepath.Join(t.TempDir(), "elsewhere.txt")
	if err := os.WriteFile(outside, memoV1, 0o600); err != nil {
		t.Fatal(err)
	}
	path := b.legacyFile(t, id, nil)
	if err := os.Symlink(outside, path); err != nil {
		t.Fatal(err)
	}
	resp, raw := request(t, "GET", b.url+"/api/documents/"+itoa(id)+"/file", "otto", nil, nil, nil)
	if resp.StatusCode != http.StatusNotFound || bytes.Contains(raw, memoV1) {
		t.Fatalf("file behind an outward symlink: %d %q, want 404", resp.StatusCode, raw)
	}
}

// TestDocumentSourceIsFileNameOnly: an ordinary user learns a document's
// file name, never the path it lies at on the server.
func TestDocumentSourceIsFileNameOnly(t *testing.T) {
	b := setupLibrary(t, 1<<20, 8<<20, auth.Config{})
	b.startWorker()
	id := b.uploadMemo(t, memoV1, "", 1)
	resp, raw := request(t, "GET", b.url+"/api/documents/"+itoa(id), "otto", nil, nil, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET document: %d %s", resp.StatusCode, raw)
	}
	var got struct {
		Document struct{ Source string }
	}
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	if got.Document.Source != "memo.txt" || strings.Contains(string(raw), b.uploadDir) {
		t.Fatalf("document %s: want source memo.txt and no server path", raw)
	}
}

// TestReuploadWithNewGroupsRestricts is finding 2 of issue 12 through the
// library: the same content uploaded again with access groups is a change
// (updated in place, the same id), and outsiders lose it at once.
func TestReuploadWithNewGroupsRestricts(t *testing.T) {
	b := setupLibrary(t, 1<<20, 8<<20, auth.Config{})
	b.startWorker()
	id := b.uploadMemo(t, memoV1, "", 1)
	if again := b.uploadMemo(t, memoV1, "secret-grp", 2); again != id {
		t.Fatalf("re-upload stored document %d, want %d updated in place", again, id)
	}
	l := b.list(t)
	if len(l.Documents) != 1 || strings.Join(l.Documents[0].Groups, ",") != "secret-grp" || l.Documents[0].Versions != 1 {
		t.Fatalf("documents %+v, want one version restricted to secret-grp", l.Documents)
	}
	if resp, raw := request(t, "GET", b.url+"/api/documents/"+itoa(id)+"/file", "otto", nil, nil, nil); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("outsider after the restriction: %d %q, want 404", resp.StatusCode, raw)
	}
	if resp, raw := request(t, "GET", b.url+"/api/documents/"+itoa(id)+"/file", "sam", []string{"secret-grp"}, nil, nil); resp.StatusCode != http.StatusOK || !bytes.Equal(raw, memoV1) {
		t.Fatalf("member after the restriction: %d %q", resp.StatusCode, raw)
	}
}

// TestUploadDirSymlinkNotFollowed (issue 12): a collection folder of the
// upload directory replaced by a symlink to another folder makes neither
// a delete remove nor an upload overwrite a file out there.
func TestUploadDirSymlinkNotFollowed(t *testing.T) {
	b := setupLibrary(t, 1<<20, 8<<20, auth.Config{})
	b.startWorker()
	id := b.uploadMemo(t, memoV1, "", 1)
	outside := t.TempDir()
	precious := []byte("not the library's\n")
	if err := os.WriteFile(filepath.Join(outside, "memo.txt"), precious, 0o600); err != nil {
		t.Fatal(err)
	}
	coll := filepath.Join(b.uploadDir, b.collection)
	if err := os.RemoveAll(coll); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, coll); err != nil {
		t.Fatal(err)
	}
	if status, body := libraryDo(t, "DELETE", b.url+"/api/library/documents/"+itoa(id), km, nil, nil); status != http.StatusNoContent {
		t.Fatalf("delete: %d %v", status, body)
	}
	if got, err := os.ReadFile(filepath.Join(outside, "memo.txt")); err != nil || !bytes.Equal(got, precious) {
		t.Fatalf("after the delete the outside file is %q (%v), want it untouched", got, err)
	}
	if status, body := b.upload(t, km, formField("collection", b.collection), file("memo.txt", memoV2)); status != http.StatusAccepted {
		t.Fatalf("upload: %d %v", status, body)
	}
	b.waitJobs(t, 2)
	if got, err := os.ReadFile(filepath.Join(outside, "memo.txt")); err != nil || !bytes.Equal(got, precious) {
		t.Fatalf("after the upload the outside file is %q (%v), want it untouched", got, err)
	}
}

// TestChatSourcesNameFilesNotServerPaths (issue 12): the sources an
// answer streams name the file, never the server path it was ingested
// from. Ollama is down, so the answer is search mode: no model needed.
func TestChatSourcesNameFilesNotServerPaths(t *testing.T) {
	live := setup(t, setupOpts{})
	dir := live.ingestFiles(t, nil, map[string]string{"bewohnerparken.md": parkingDoc})
	dead := setup(t, setupOpts{ollamaDead: true})
	dead.collection = live.collection
	_, events := dead.ask(t, "a.meier", nil, map[string]any{"question": "Bewohnerparkausweis Gebühr zwölf Monate", "language": "de"})
	if len(events) == 0 {
		t.Fatal("no events")
	}
	src := decode[sourcesData](t, events[0]).Sources
	if len(src) == 0 || src[0].SourceURI != "bewohnerparken.md" {
		t.Fatalf("sources %+v, want bewohnerparken.md by name", src)
	}
	for _, e := range events {
		if bytes.Contains(e.Data, []byte(dir)) {
			t.Errorf("%s event holds the server path %s: %s", e.Event, dir, e.Data)
		}
	}
}

// TestUploadGroupsWithSpaces (finding F6): the upload API reads groups as
// every identity source does: spaces are part of a name, ends trimmed.
func TestUploadGroupsWithSpaces(t *testing.T) {
	b := setupLibrary(t, 1<<20, 8<<20, auth.Config{})
	b.startWorker()
	id := b.uploadMemo(t, memoV2, " IT Abteilung , Kämmerei", 1)
	for _, tt := range []struct {
		groups []string
		want   int
	}{{[]string{"IT Abteilung"}, http.StatusOK}, {[]string{"IT"}, http.StatusNotFound}, {nil, http.StatusNotFound}} {
		if resp, raw := request(t, "GET", b.url+"/api/documents/"+itoa(id), "sam", tt.groups, nil, nil); resp.StatusCode != tt.want {
			t.Errorf("groups %q: %d %s, want %d", tt.groups, resp.StatusCode, raw, tt.want)
		}
	}
}
