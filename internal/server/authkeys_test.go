package server_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/civitas-eu/civitas/internal/auth"
)

type issuedKey struct {
	Key    string      `json:"key"`
	APIKey auth.APIKey `json:"api_key"`
}

// An admin issues an API key, which then identifies its user with the
// key's groups, until the admin revokes it; others may not issue keys.
func TestAPIKeysIssueUseRevoke(t *testing.T) {
	b := setupOIDC(t, auth.SessionConfig{})
	b.ingestFiles(t, []string{"bauamt"}, map[string]string{"bau.md": "# Vermerk Bauamt\n\nDer Vermerk betrifft Baugenehmigungen.\n"})
	docURL := b.url + "/api/documents/" + fmtID(b.documentIDs(t)["bau.md"])
	root, _, _ := b.signIn(t, "root", "pw-root", "/")
	alice, _, _ := b.signIn(t, "alice", "pw-alice", "/")
	jsonBody := map[string]string{"Content-Type": "application/json"}
	req := `{"user":"svc-bau","groups":["bauamt"],"name":"Fachverfahren","expires_at":"` + time.Now().Add(time.Hour).UTC().Format(time.RFC3339) + `"}`

	if resp, body := do(t, alice, "POST", b.url+"/api/admin/apikeys", strings.NewReader(req), jsonBody); resp.StatusCode != 403 {
		t.Fatalf("non-admin issuing a key: %d %s, want 403", resp.StatusCode, body)
	}
	for _, bad := range []string{`{"groups":["x"]}`, `{"user":"u","expires_at":"2001-01-01T00:00:00Z"}`, `{"user":"u","role":"x"}`} {
		if resp, body := do(t, root, "POST", b.url+"/api/admin/apikeys", strings.NewReader(bad), jsonBody); resp.StatusCode != 400 {
			t.Errorf("issuing %s: %d %s, want 400", bad, resp.StatusCode, body)
		}
	}
	resp, body := do(t, root, "POST", b.url+"/api/admin/apikeys", strings.NewReader(req), jsonBody)
	var k issuedKey
	if resp.StatusCode != 201 || json.Unmarshal(body, &k) != nil || !strings.HasPrefix(k.Key, auth.APIKeyPrefix) ||
		!strings.HasPrefix(k.Key, k.APIKey.Prefix) || k.APIKey.User != "svc-bau" || k.APIKey.ID == 0 {
		t.Fatalf("issuing a key: %d %s", resp.StatusCode, body)
	}
	if strings.Contains(string(body), `"hash"`) {
		t.Errorf("the key's hash was sent: %s", body)
	}

	m, code := b.whoami(t, http.DefaultClient, bearer(k.Key))
	if code != 200 || m.Name != "svc-bau" || m.Auth != auth.MethodAPIKey || len(m.Groups) != 1 || m.Groups[0] != "bauamt" {
		t.Fatalf("/api/me with the key: %d %+v", code, m)
	}
	if resp, _ := do(t, http.DefaultClient, "GET", docURL, nil, bearer(k.Key)); resp.StatusCode != 200 {
		t.Errorf("key of bauamt opening a bauamt document: %d", resp.StatusCode)
	}
	resp, body = do(t, root, "GET", b.url+"/api/admin/apikeys", nil, nil)
	var list struct {
		APIKeys []auth.APIKey `json:"api_keys"`
	}
	if resp.StatusCode != 200 || json.Unmarshal(body, &list) != nil || len(list.APIKeys) == 0 {
		t.Fatalf("listing keys: %d %s", resp.StatusCode, body)
	}
	found := false
	for _, l := range list.APIKeys {
		if l.ID == k.APIKey.ID {
			found = true
			if l.LastUsedAt == nil || l.RevokedAt != nil || l.CreatedBy != "root" {
				t.Errorf("listed key %+v: want last use recorded, not revoked, created by root", l)
			}
		}
	}
	if !found || strings.Contains(string(body), k.Key) {
		t.Errorf("listing: key %d found=%v, or the key itself shown: %s", k.APIKey.ID, found, body)
	}

	if resp, _ := do(t, alice, "DELETE", b.url+"/api/admin/apikeys/"+fmtID(k.APIKey.ID), nil, nil); resp.StatusCode != 403 {
		t.Errorf("non-admin revoking: %d, want 403", resp.StatusCode)
	}
	if resp, body := do(t, root, "DELETE", b.url+"/api/admin/apikeys/"+fmtID(k.APIKey.ID), nil, nil); resp.StatusCode != 204 {
		t.Fatalf("revoking: %d %s", resp.StatusCode, body)
	}
	if _, code := b.whoami(t, http.DefaultClient, bearer(k.Key)); code != 401 {
		t.Errorf("revoked key: %d, want 401", code)
	}
	if resp, _ := do(t, root, "DELETE", b.url+"/api/admin/apikeys/999999999", nil, nil); resp.StatusCode != 404 {
		t.Errorf("revoking an unknown key: %d, want 404", resp.StatusCode)
	}
	for name, key := range map[string]string{"unknown": auth.APIKeyPrefix + strings.Repeat("A", 43), "short": "civ_x"} {
		if _, code := b.whoami(t, http.DefaultClient, bearer(key)); code != 401 {
			t.Errorf("%s key: %d, want 401", name, code)
		}
	}
}
