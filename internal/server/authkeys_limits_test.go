package server_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/civitas-eu/civitas/internal/auth"
)

// Finding 10: an API key is a standing credential outside the directory,
// so it cannot carry a role group (no admin minting admin or auditor
// keys), whatever the roles are called.
func TestAPIKeyRefusesRoleGroups(t *testing.T) {
	a := proxyFrom("127.0.0.0/8", "::1/128")
	a.Roles = auth.Roles{Admin: "GG-Admins"}
	b := setup(t, setupOpts{auth: a})
	for _, g := range []string{"GG-Admins", auth.GroupAuditor, auth.GroupKnowledgeManager} {
		resp, body := request(t, "POST", b.url+"/api/admin/apikeys", "root", []string{"GG-Admins"},
			map[string]any{"user": "svc", "groups": []string{"bauamt", " " + g + " "}}, nil)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), `\"groups\"`) {
			t.Errorf("key with role group %s: %d %s, want 400 naming \"groups\"", g, resp.StatusCode, body)
		}
	}
	// The default admin name is an ordinary group here.
	if resp, body := request(t, "POST", b.url+"/api/admin/apikeys", "root", []string{"GG-Admins"},
		map[string]any{"user": "svc", "groups": []string{auth.GroupAdmin}}, nil); resp.StatusCode != http.StatusCreated {
		t.Errorf("key with the group admin, which is no role here: %d %s, want 201", resp.StatusCode, body)
	}
}

// Finding 10: keys expire: without expires_at after the maximum lifetime
// (90 days by default), and one asking for longer is refused.
func TestAPIKeyLifetimeBounded(t *testing.T) {
	b := setup(t, setupOpts{})
	admin := []string{auth.GroupAdmin}
	before := time.Now()
	resp, body := request(t, "POST", b.url+"/api/admin/apikeys", "root", admin, map[string]any{"user": "svc"}, nil)
	var k issuedKey
	if resp.StatusCode != 201 || json.Unmarshal(body, &k) != nil || k.APIKey.ExpiresAt == nil {
		t.Fatalf("key without expiry: %d %s, want 201 with an expiry", resp.StatusCode, body)
	}
	if d := k.APIKey.ExpiresAt.Sub(before); d < auth.DefaultAPIKeyMaxLifetime-time.Minute || d > auth.DefaultAPIKeyMaxLifetime+time.Minute {
		t.Errorf("key without expiry expires in %s, want %s", d, auth.DefaultAPIKeyMaxLifetime)
	}
	tooLate := time.Now().Add(auth.DefaultAPIKeyMaxLifetime + 24*time.Hour).UTC().Format(time.RFC3339)
	resp, body = request(t, "POST", b.url+"/api/admin/apikeys", "root", admin, map[string]any{"user": "svc", "expires_at": tooLate}, nil)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "expires_at") {
		t.Errorf("key beyond the maximum lifetime: %d %s, want 400 naming expires_at", resp.StatusCode, body)
	}
	soon := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	resp, body = request(t, "POST", b.url+"/api/admin/apikeys", "root", admin, map[string]any{"user": "svc", "expires_at": soon}, nil)
	if resp.StatusCode != 201 || json.Unmarshal(body, &k) != nil || k.APIKey.ExpiresAt == nil || !k.APIKey.ExpiresAt.Equal(soon) {
		t.Errorf("key expiring within the maximum: %d %s, want 201 expiring at %s", resp.StatusCode, body, soon)
	}
}

// Finding 10: a key an admin mints for someone else acts as that person:
// the list marks it (on_behalf, creator and subject), and the audit trail
// names the admin as actor and the user as subject.
func TestAPIKeyForAnotherUserShown(t *testing.T) {
	b := setup(t, setupOpts{})
	admin, other := "root-"+b.collection, "alice-"+b.collection
	ids := map[string]int64{}
	for _, owner := range []string{admin, other} {
		resp, body := request(t, "POST", b.url+"/api/admin/apikeys", admin, []string{auth.GroupAdmin}, map[string]any{"user": owner}, nil)
		var k issuedKey
		if resp.StatusCode != 201 || json.Unmarshal(body, &k) != nil {
			t.Fatalf("issue for %s: %d %s", owner, resp.StatusCode, body)
		}
		ids[owner] = k.APIKey.ID
	}
	resp, body := request(t, "GET", b.url+"/api/admin/apikeys", admin, []string{auth.GroupAdmin}, nil, nil)
	var list struct {
		APIKeys []struct {
			ID        int64  `json:"id"`
			User      string `json:"user"`
			CreatedBy string `json:"created_by"`
			OnBehalf  bool   `json:"on_behalf"`
		} `json:"api_keys"`
	}
	if resp.StatusCode != 200 || json.Unmarshal(body, &list) != nil {
		t.Fatalf("list: %d %s", resp.StatusCode, body)
	}
	seen := 0
	for _, k := range list.APIKeys {
		switch k.ID {
		case ids[admin]:
			seen++
			if k.OnBehalf || k.CreatedBy != admin {
				t.Errorf("the admin's own key listed as %+v, want not on behalf", k)
			}
		case ids[other]:
			seen++
			if !k.OnBehalf || k.CreatedBy != admin || k.User != other {
				t.Errorf("key minted for %s listed as %+v, want on behalf, created by %s", other, k, admin)
			}
		}
	}
	if seen != 2 {
		t.Fatalf("found %d of the 2 keys in %s", seen, body)
	}
	resp, body = request(t, "GET", b.url+"/api/audit?action=admin.apikey.issued&actor="+admin, "aud", []string{auth.GroupAuditor}, nil, nil)
	var page struct {
		Events []struct {
			Actor   string `json:"actor"`
			Subject string `json:"subject"`
		} `json:"events"`
	}
	if resp.StatusCode != 200 || json.Unmarshal(body, &page) != nil {
		t.Fatalf("audit: %d %s", resp.StatusCode, body)
	}
	if !slices.ContainsFunc(page.Events, func(e struct {
		Actor   string `json:"actor"`
		Subject string `json:"subject"`
	}) bool {
		return e.Actor == admin && e.Subject == other
	}) {
		t.Errorf("audit trail has no issue event by %s for %s: %s", admin, other, body)
	}
}
