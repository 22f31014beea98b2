package server_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/civitas-eu/civitas/internal/auth"
)

// TestRenamedKnowledgeManagerRole: with --knowledge-manager-group=km-role
// the group literally named "knowledge-manager" grants nothing: it reads
// no earlier version's record, and an API key may carry it (it is no
// role), while one carrying km-role is refused. (Finding F1.)
func TestRenamedKnowledgeManagerRole(t *testing.T) {
	b := setupLibrary(t, 1<<20, 8<<20, auth.Config{ProxyHeaders: true, UserHeader: "X-Forwarded-User",
		GroupsHeader: "X-Forwarded-Groups", TrustedProxies: loopbackProxies, Roles: auth.Roles{KnowledgeManager: "km-role"}})
	b.startWorker()
	upload := func(data []byte, jobs int) int64 {
		t.Helper()
		status, body := b.upload(t, []string{"km-role"}, formField("collection", b.collection), file("memo.txt", data))
		if status != http.StatusAccepted {
			t.Fatalf("upload as km-role: %d %v", status, body)
		}
		deadline := time.Now().Add(2 * time.Minute)
		for {
			resp, raw := request(t, "GET", b.url+"/api/library?collection="+b.collection, "kim", []string{"km-role"}, nil, nil)
			var l listing
			if resp.StatusCode != http.StatusOK || json.Unmarshal(raw, &l) != nil {
				t.Fatalf("library as km-role: %d %s", resp.StatusCode, raw)
			}
			if len(l.Jobs) == jobs && l.Jobs[0].Status == "done" && l.Jobs[0].DocumentID != nil {
				return *l.Jobs[0].DocumentID
			}
			if time.Now().After(deadline) {
				t.Fatalf("upload job not done at the deadline: %+v", l.Jobs)
			}
			time.Sleep(20 * time.Millisecond) // polling interval, bounded by the deadline
		}
	}
	v1 := upload(memoV1, 1)
	upload(memoV2, 2)
	old := b.url + "/api/documents/" + itoa(v1)

	for _, tt := range []struct {
		name   string
		groups []string
		want   int
	}{
		{"default role name", []string{auth.GroupKnowledgeManager}, http.StatusNotFound},
		{"configured role", []string{"km-role"}, http.StatusOK},
	} {
		if resp, raw := request(t, "GET", old, "kim", tt.groups, nil, nil); resp.StatusCode != tt.want {
			t.Errorf("%s: old version %d %s, want %d", tt.name, resp.StatusCode, raw, tt.want)
		}
	}

	admin := []string{auth.GroupAdmin}
	exp := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	resp, raw := request(t, "POST", b.url+"/api/admin/apikeys", "root", admin,
		map[string]any{"user": "svc", "groups": []string{"km-role"}, "expires_at": exp}, nil)
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("key carrying the configured role: %d %s, want 400", resp.StatusCode, raw)
	}
	resp, raw = request(t, "POST", b.url+"/api/admin/apikeys", "root", admin,
		map[string]any{"user": "svc", "groups": []string{auth.GroupKnowledgeManager}, "expires_at": exp}, nil)
	var k struct{ Key string }
	if resp.StatusCode != http.StatusCreated || json.Unmarshal(raw, &k) != nil || k.Key == "" {
		t.Fatalf("key carrying the default name (no role now): %d %s, want 201", resp.StatusCode, raw)
	}
	if resp, raw := do(t, http.DefaultClient, "GET", old, nil, map[string]string{"Authorization": "Bearer " + k.Key}); resp.StatusCode != http.StatusNotFound {
		t.Errorf("key with group knowledge-manager reading the old version: %d %s, want 404", resp.StatusCode, raw)
	}
}
