package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/civitas-eu/civitas/internal/auth"
)

// proxyFrom is proxy mode trusting only the given networks.
func proxyFrom(nets ...string) auth.Config {
	a := auth.Config{ProxyHeaders: true, UserHeader: "X-Forwarded-User", GroupsHeader: "X-Forwarded-Groups"}
	for _, n := range nets {
		a.TrustedProxies = append(a.TrustedProxies, netip.MustParsePrefix(n))
	}
	return a
}

// rawRequest sends a request whose headers are added as given, repeats
// and Host included, and returns the status and body.
func rawRequest(t *testing.T, method, u, host string, body string, headers [][2]string) (int, []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	for _, h := range headers {
		req.Header.Add(h[0], h[1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(resp.Body)
	return resp.StatusCode, buf.Bytes()
}

// Finding 3: with --auth proxy, identity headers are believed only from
// the trusted proxy. The tests connect from loopback, which this server
// does not trust: forged admin headers get 401, not the admin's key list.
func TestProxyHeadersFromUntrustedPeerRefused(t *testing.T) {
	b := setup(t, setupOpts{auth: proxyFrom("192.0.2.0/24")})
	for _, path := range []string{"/api/me", "/api/admin/apikeys"} {
		resp, body := request(t, "GET", b.url+path, "mallory", []string{auth.GroupAdmin, auth.GroupAuditor}, nil, nil)
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("GET %s with forged headers from an untrusted peer: %d %s, want 401", path, resp.StatusCode, body)
		}
	}
	// Nor does an empty trust list believe anyone (fail closed).
	none := setup(t, setupOpts{auth: proxyFrom()})
	if resp, body := request(t, "GET", none.url+"/api/me", "mallory", nil, nil, nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("proxy mode without trusted proxies: %d %s, want 401", resp.StatusCode, body)
	}
	// The trusted proxy itself is believed.
	trusted := setup(t, setupOpts{auth: proxyFrom("127.0.0.0/8", "::1/128")})
	if resp, body := request(t, "GET", trusted.url+"/api/me", "alice", nil, nil, nil); resp.StatusCode != http.StatusOK {
		t.Errorf("headers from the trusted proxy: %d %s, want 200", resp.StatusCode, body)
	}
}

// Finding 3: a proxy that appends its header after the client's would
// leave the client's copy first; a repeated identity header is refused.
func TestDuplicateIdentityHeaderRefused(t *testing.T) {
	b := setup(t, setupOpts{})
	tests := []struct {
		name    string
		headers [][2]string
	}{
		{"user twice", [][2]string{{"X-Forwarded-User", "mallory"}, {"X-Forwarded-User", "alice"}}},
		{"groups twice", [][2]string{{"X-Forwarded-User", "alice"}, {"X-Forwarded-Groups", "admin,auditor"}, {"X-Forwarded-Groups", "bauamt"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := rawRequest(t, "GET", b.url+"/api/me", "", "", tt.headers)
			if code != http.StatusUnauthorized && code != http.StatusBadRequest {
				t.Errorf("%d %s, want 401 or 400", code, body)
			}
		})
	}
	if code, body := rawRequest(t, "GET", b.url+"/api/me", "", "", [][2]string{{"X-Forwarded-User", "alice"}}); code != http.StatusOK {
		t.Errorf("one user header: %d %s, want 200", code, body)
	}
}

// Finding 5: groups are split on commas only; the directory group
// "IT admin" is not the admin role.
func TestGroupsSplitOnCommasOnly(t *testing.T) {
	b := setup(t, setupOpts{})
	resp, body := request(t, "GET", b.url+"/api/me", "eve", []string{"IT admin", "staff"}, nil, nil)
	var m me
	if resp.StatusCode != 200 || json.Unmarshal(body, &m) != nil || strings.Join(m.Groups, "|") != "IT admin|staff" {
		t.Errorf("/api/me with groups \"IT admin,staff\": %d %s, want the groups [IT admin staff]", resp.StatusCode, body)
	}
	if resp, body := request(t, "GET", b.url+"/api/admin/apikeys", "eve", []string{"IT admin"}, nil, nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("member of \"IT admin\" listing API keys: %d %s, want 403", resp.StatusCode, body)
	}
}

// The role groups are the city's directory names, not fixed ones.
func TestRoleGroupsConfigurable(t *testing.T) {
	a := proxyFrom("127.0.0.0/8", "::1/128")
	a.Roles = auth.Roles{Admin: "GG-Civitas-Admins", Auditor: "GG-Civitas-Audit", KnowledgeManager: "GG-Civitas-Docs"}
	b := setup(t, setupOpts{auth: a})
	tests := []struct {
		path   string
		groups []string
		want   int
	}{
		{"/api/admin/apikeys", []string{"GG-Civitas-Admins"}, 200},
		{"/api/admin/apikeys", []string{auth.GroupAdmin}, 403},
		{"/api/audit", []string{"GG-Civitas-Audit"}, 200},
		{"/api/audit", []string{auth.GroupAuditor}, 403},
		{"/admin", []string{"GG-Civitas-Admins"}, 200},
		{"/admin", []string{auth.GroupAdmin}, 403},
	}
	for _, tt := range tests {
		if resp, body := request(t, "GET", b.url+tt.path, "carol", tt.groups, nil, nil); resp.StatusCode != tt.want {
			t.Errorf("GET %s in %v: %d %.200s, want %d", tt.path, tt.groups, resp.StatusCode, body, tt.want)
		}
	}
}

// syncBuffer is a log sink the server writes from its own goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Finding 10: 401 and 403 replies are logged at warn with the client's
// address and the route, so that probing shows.
func TestAuthFailuresLoggedWithClientAddress(t *testing.T) {
	var logs syncBuffer
	b := setup(t, setupOpts{log: &logs})
	if resp, _ := request(t, "GET", b.url+"/api/me", "", nil, nil, nil); resp.StatusCode != 401 {
		t.Fatalf("no identity: %d, want 401", resp.StatusCode)
	}
	if resp, _ := request(t, "GET", b.url+"/api/admin/apikeys", "eve", []string{"staff"}, nil, nil); resp.StatusCode != 403 {
		t.Fatalf("non-admin: %d, want 403", resp.StatusCode)
	}
	for _, want := range []struct{ status, route string }{{"401", "GET /api/me"}, {"403", "GET /api/admin/apikeys"}} {
		found := false
		for line := range strings.Lines(logs.String()) {
			if strings.Contains(line, "level=WARN") && strings.Contains(line, "status="+want.status) &&
				strings.Contains(line, "client=127.0.0.1:") && strings.Contains(line, `route="`+want.route+`"`) {
				found = true
			}
		}
		if !found {
			t.Errorf("no warning for the %s on %s with the client address; log:\n%s", want.status, want.route, logs.String())
		}
	}
}
