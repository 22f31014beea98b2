package server_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/civitas-eu/civitas/internal/auth"
)

// TestInsightRoutesWhoMayCall: the review, gaps and metadata routes are
// for knowledge managers, the dashboard and transparency record for
// admins; anybody else is refused (401 without a caller, 403 without the
// role), and the role's members get through (a 2xx, or a 4xx about the
// request, never 401/403). The pages answer 403 with a message.
func TestInsightRoutesWhoMayCall(t *testing.T) {
	w := setupInsight(t, nil)
	km := []string{auth.GroupKnowledgeManager}
	admin := []string{auth.GroupAdmin}
	user := []string{"bauamt"}
	doc := itoa(w.docID)
	routes := []struct {
		method, path string
		body         any
		role         []string
	}{
		{"GET", "/api/library/feedback", nil, km},
		{"POST", "/api/library/feedback/" + itoa(w.answerID) + "/handle", map[string]any{"outcome": "other"}, km},
		{"GET", "/api/library/gaps?days=7", nil, km},
		{"PATCH", "/api/library/documents/" + doc, map[string]any{"title": "Bewohnerparken"}, km},
		{"GET", "/api/admin/usage?format=csv", nil, admin},
		{"GET", "/api/admin/transparency?format=html", nil, admin},
		{"PUT", "/api/admin/transparency", map[string]any{"fields": map[string]string{"name": "Civitas"}}, admin},
		{"GET", "/insight", nil, km},
		{"GET", "/usage", nil, admin},
		{"GET", "/transparency", nil, admin},
	}
	for _, rt := range routes {
		other := admin
		if rt.role[0] == auth.GroupAdmin {
			other = km
		}
		for _, c := range []struct {
			name   string
			user   string
			groups []string
			deny   int // 0: let through
		}{
			{"no caller", "", nil, http.StatusUnauthorized},
			{"plain user", "otto", user, http.StatusForbidden},
			{"the other role", "olga", other, http.StatusForbidden},
			{"the role", "rita", rt.role, 0},
		} {
			if c.user == "" && !strings.HasPrefix(rt.path, "/api/") {
				continue // a page sends the browser to sign in instead
			}
			resp, raw := request(t, rt.method, w.url+rt.path, c.user, c.groups, rt.body, nil)
			switch {
			case c.deny != 0 && resp.StatusCode != c.deny:
				t.Errorf("%s %s as %s: %d %s, want %d", rt.method, rt.path, c.name, resp.StatusCode, raw, c.deny)
			case c.deny == 0 && (resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden || resp.StatusCode >= 500):
				t.Errorf("%s %s as %s: %d %s, want it let through", rt.method, rt.path, c.name, resp.StatusCode, raw)
			}
		}
	}
}
