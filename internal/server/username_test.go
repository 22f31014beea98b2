package server_test

import (
	"strings"
	"testing"
	"time"

	"github.com/civitas-eu/civitas/internal/auth"
)

// TestMalformedUserNamesAreClientErrors reproduces finding F3: a NUL in a
// user name gave 500 on the data-subject and API-key routes, and invalid
// UTF-8 in the proxy's user header signed in a mangled name (then 500).
// Now the routes answer 400 naming the field, a bad identity header 401,
// and text PostgreSQL cannot store is 400, whatever field carried it.
func TestMalformedUserNamesAreClientErrors(t *testing.T) {
	b := setup(t, setupOpts{})
	admin := []string{auth.GroupAdmin}
	exp := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	tests := []struct {
		name, method, path, user string
		body                     any
		want                     int
		mention                  string // in the error message
	}{
		{"subject export with NUL", "POST", "/api/admin/subjects/root%00/export", "root", nil, 400, "user"},
		{"subject erase with NUL", "POST", "/api/admin/subjects/root%00/erase", "root", nil, 400, "user"},
		{"subject export, invalid UTF-8", "POST", "/api/admin/subjects/%C3%A4lice%FF/export", "root", nil, 400, "user"},
		{"subject export, too long", "POST", "/api/admin/subjects/" + strings.Repeat("a", 300) + "/export", "root", nil, 400, "user"},
		{"API key for a NUL user", "POST", "/api/admin/apikeys", "root",
			map[string]any{"user": "\u0000x", "expires_at": exp}, 400, `\"user\"`},
		{"API key for a user with a line break", "POST", "/api/admin/apikeys", "root",
			map[string]any{"user": "eve\nadmin", "expires_at": exp}, 400, `\"user\"`},
		{"API key named with NUL", "POST", "/api/admin/apikeys", "root",
			map[string]any{"user": "svc", "name": "a\u0000b", "expires_at": exp}, 400, `\"name\"`},
		{"proxy user with invalid UTF-8: /api/me", "GET", "/api/me", "\xc3\xa4lice\xff", nil, 401, ""},
		{"proxy user with invalid UTF-8: conversations", "GET", "/api/conversations", "\xc3\xa4lice\xff", nil, 401, ""},
		{"proxy user, valid non-ASCII", "GET", "/api/me", "älice", nil, 200, ""},
	}
	for _, tt := range tests {
		resp, raw := request(t, tt.method, b.url+tt.path, tt.user, admin, tt.body, nil)
		if resp.StatusCode != tt.want || !strings.Contains(string(raw), tt.mention) {
			t.Errorf("%s: %d %s, want %d mentioning %q", tt.name, resp.StatusCode, raw, tt.want, tt.mention)
		}
	}
}
