package server_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/civitas-eu/civitas/internal/auth"
)

// Finding 4: DNS rebinding. A page on rebind.attacker.example whose name
// now resolves to the assistant sends same-origin requests with the
// victim's network position. Its Host is the attacker's name, which is not
// a public URL of the assistant: 421 before sign-in and the cross-origin
// guard, and no key is minted.
func TestForeignHostRefused(t *testing.T) {
	b := setup(t, setupOpts{})
	port := strings.TrimPrefix(b.url[strings.LastIndex(b.url, ":"):], ":")
	evil := "rebind.attacker.example:" + port
	name := "rebound-" + b.collection
	code, body := rawRequest(t, "POST", b.url+"/api/admin/apikeys", evil,
		`{"user":"mallory","groups":["bauamt"],"name":"`+name+`"}`, [][2]string{
			{"Content-Type", "application/json"}, {"Sec-Fetch-Site", "same-origin"}, {"Origin", "http://" + evil},
			{"X-Forwarded-User", "root"}, {"X-Forwarded-Groups", auth.GroupAdmin},
		})
	if code != http.StatusMisdirectedRequest {
		t.Errorf("minting a key through a rebound host name: %d %s, want 421", code, body)
	}
	resp, body := request(t, "GET", b.url+"/api/admin/apikeys", "root", []string{auth.GroupAdmin}, nil, nil)
	if resp.StatusCode != 200 || strings.Contains(string(body), name) {
		t.Errorf("key list after the rebinding attempt: %d, has the key: %v", resp.StatusCode, strings.Contains(string(body), name))
	}

	tests := []struct {
		name, host string
		path       string
		want       int
	}{
		{"page", evil, "/", http.StatusMisdirectedRequest},
		{"API read", evil, "/api/me", http.StatusMisdirectedRequest},
		{"upper-case public host", strings.ToUpper(strings.TrimPrefix(b.url, "http://")), "/api/me", http.StatusOK},
		{"liveness probe by any host", "10.1.2.3:8080", "/healthz", http.StatusOK},
		{"public host", "", "/api/me", http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := rawRequest(t, "GET", b.url+tt.path, tt.host, "", [][2]string{{"X-Forwarded-User", "root"}})
			if code != tt.want {
				t.Errorf("GET %s with Host %q: %d %.200s, want %d", tt.path, tt.host, code, body, tt.want)
			}
		})
	}
}
