package server_test

import (
	"net/http"
	"strings"
	"testing"
)

func TestSecurityHeadersOnEveryReply(t *testing.T) {
	b := setup(t, setupOpts{})
	for _, path := range []string{"/healthz", "/api/conversations", "/no-such-page"} {
		resp, _ := request(t, "GET", b.url+path, "alice", nil, nil, nil)
		for header, want := range map[string]string{
			"X-Content-Type-Options": "nosniff",
			"Referrer-Policy":        "same-origin",
			"X-Frame-Options":        "SAMEORIGIN",
		} {
			if got := resp.Header.Get(header); got != want {
				t.Errorf("%s: %s = %q, want %q", path, header, got, want)
			}
		}
		csp := resp.Header.Get("Content-Security-Policy")
		for _, part := range []string{"script-src 'self'", "frame-ancestors 'self'", "object-src 'none'"} {
			if !strings.Contains(csp, part) {
				t.Errorf("%s: Content-Security-Policy %q lacks %q", path, csp, part)
			}
		}
		if strings.Contains(csp, "unsafe-inline") {
			t.Errorf("%s: Content-Security-Policy allows inline code: %q", path, csp)
		}
	}
}

func TestCrossSiteStateChangeRefused(t *testing.T) {
	b := setup(t, setupOpts{})
	tests := []struct {
		name    string
		header  map[string]string
		refused bool
	}{
		{"cross-site browser request", map[string]string{"Sec-Fetch-Site": "cross-site"}, true},
		{"foreign origin", map[string]string{"Origin": "https://evil.example"}, true},
		{"same-origin browser request", map[string]string{"Sec-Fetch-Site": "same-origin"}, false},
		{"non-browser client", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, _ := request(t, "POST", b.url+"/api/chat", "alice", nil, `{}`, tt.header)
			if got := resp.StatusCode == http.StatusForbidden; got != tt.refused {
				t.Errorf("status %d, refused = %v, want %v", resp.StatusCode, got, tt.refused)
			}
		})
	}
}
