package server_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/civitas-eu/civitas/internal/auth"
	"github.com/civitas-eu/civitas/internal/dbtest"
)

// Signing in through the provider's browser flow opens a session whose
// groups come from the groups claim, and those groups decide what the
// user retrieves and may open.
func TestOIDCSignInGroupsGovernRetrieval(t *testing.T) {
	b := setupOIDC(t, auth.SessionConfig{})
	b.ingestFiles(t, []string{"bauamt"}, map[string]string{"bau.md": "# Vermerk Bauamt\n\nDer Vermerk zur Gebührenordnung betrifft Baugenehmigungen in Erlenbrück.\n"})
	b.ingestFiles(t, []string{"sozialamt"}, map[string]string{"sozial.md": "# Vermerk Sozialamt\n\nDer Vermerk zur Gebührenordnung betrifft Wohngeld in Erlenbrück.\n"})
	ids := b.documentIDs(t)

	alice, _, body := b.signIn(t, "alice", "pw-alice", "/api/me")
	var m me
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("sign-in did not return to /api/me: %v %s", err, body)
	}
	if m.Name != "alice" || !slices.Equal(m.Groups, []string{"bauamt"}) || m.Auth != auth.MethodOIDC {
		t.Fatalf("/api/me after sign-in = %+v, want alice [bauamt] oidc", m)
	}
	bob, _, _ := b.signIn(t, "bob", "pw-bob", "/")

	for _, tt := range []struct {
		who    string
		c      *http.Client
		sees   string
		hidden string
	}{{"alice", alice, "bau.md", "sozial.md"}, {"bob", bob, "sozial.md", "bau.md"}} {
		resp, _ := do(t, tt.c, "GET", b.url+"/api/documents/"+fmtID(ids[tt.sees]), nil, nil)
		if resp.StatusCode != 200 {
			t.Errorf("%s opening %s: %d, want 200", tt.who, tt.sees, resp.StatusCode)
		}
		resp, _ = do(t, tt.c, "GET", b.url+"/api/documents/"+fmtID(ids[tt.hidden]), nil, nil)
		if resp.StatusCode != 404 {
			t.Errorf("%s opening %s: %d, want 404", tt.who, tt.hidden, resp.StatusCode)
		}
		raw, _ := json.Marshal(map[string]any{"question": "Vermerk Gebührenordnung Erlenbrück", "language": "de", "collections": []string{b.collection}})
		resp, sse := do(t, tt.c, "POST", b.url+"/api/chat", strings.NewReader(string(raw)), map[string]string{"Content-Type": "application/json"})
		if resp.StatusCode != 200 {
			t.Fatalf("%s asking: %d %s", tt.who, resp.StatusCode, sse)
		}
		events := readSSE(t, strings.NewReader(string(sse)))
		if len(events) == 0 || events[0].Event != "sources" {
			t.Fatalf("%s asking: events %+v", tt.who, events)
		}
		var got []string
		for _, s := range decode[sourcesData](t, events[0]).Sources {
			got = append(got, s.SourceURI[strings.LastIndex(s.SourceURI, "/")+1:])
		}
		if !slices.Contains(got, tt.sees) || slices.Contains(got, tt.hidden) {
			t.Errorf("%s retrieved %v, want %s and not %s", tt.who, got, tt.sees, tt.hidden)
		}
	}
}

// Without a session, a page request is sent to sign in and comes back;
// an API request gets 401 JSON. A foreign next is not followed.
func TestOIDCUnauthenticated(t *testing.T) {
	b := setupOIDC(t, auth.SessionConfig{})
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, _ := do(t, noRedirect, "GET", b.url+"/api/me?x=1", nil, map[string]string{"Accept": "text/html"})
	if loc := resp.Header.Get("Location"); resp.StatusCode != 302 || loc != "/auth/login?next=%2Fapi%2Fme%3Fx%3D1" {
		t.Errorf("page request without session: %d Location %q", resp.StatusCode, loc)
	}
	resp, body := do(t, noRedirect, "GET", b.url+"/api/me", nil, map[string]string{"Accept": "application/json"})
	if resp.StatusCode != 401 || !strings.Contains(string(body), `"unauthenticated"`) {
		t.Errorf("API request without session: %d %s", resp.StatusCode, body)
	}
	resp, _ = do(t, noRedirect, "GET", b.url+"/api/me", nil, map[string]string{"X-Forwarded-User": "mallory", "X-Forwarded-Groups": "admin"})
	if resp.StatusCode != 401 {
		t.Errorf("proxy headers in OIDC mode: %d, want 401", resp.StatusCode)
	}
	for _, next := range []string{"//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"} {
		_, resp, _ := b.signIn(t, "alice", "pw-alice", next)
		if resp.Request.URL.Path != "/" {
			t.Errorf("sign-in with next %q ended at %s, want / of the assistant", next, resp.Request.URL)
		}
	}
}

// A callback is accepted once, and only from the browser that started
// the sign-in (login CSRF).
func TestOIDCCallbackReplayRefused(t *testing.T) {
	b := setupOIDC(t, auth.SessionConfig{})
	var callback string
	c := newBrowser(func(r *http.Request) {
		if r.URL.Path == "/auth/callback" {
			callback = r.URL.String()
		}
	})
	b.signInWith(t, c, "alice", "pw-alice", "/api/me")
	if callback == "" {
		t.Fatal("the sign-in passed no callback")
	}
	for name, client := range map[string]*http.Client{"same browser": c, "another browser": newBrowser(nil)} {
		resp, body := do(t, client, "GET", callback, nil, nil)
		if resp.StatusCode != 401 {
			t.Errorf("callback replayed in %s: %d %s, want 401", name, resp.StatusCode, body)
		}
	}
}

// Sessions end after the idle time and after the absolute time, and
// logout ends them on the server, not only in the browser.
func TestOIDCSessionExpiryAndLogout(t *testing.T) {
	b := setupOIDC(t, auth.SessionConfig{Idle: 30 * time.Minute, Max: 12 * time.Hour})
	tests := []struct {
		name string
		end  func(t *testing.T, c *http.Client, token string)
	}{
		{"idle", func(t *testing.T, _ *http.Client, token string) {
			sql(t, "UPDATE auth_sessions SET last_seen_at = now() - interval '31 minutes' WHERE token_hash = $1", auth.Hash(token))
		}},
		{"absolute", func(t *testing.T, _ *http.Client, token string) {
			sql(t, "UPDATE auth_sessions SET created_at = now() - interval '13 hours', last_seen_at = now() WHERE token_hash = $1", auth.Hash(token))
		}},
		{"logout", func(t *testing.T, c *http.Client, _ string) {
			resp, body := do(t, c, "POST", b.url+"/auth/logout", nil, nil)
			if resp.StatusCode != 204 {
				t.Fatalf("logout: %d %s", resp.StatusCode, body)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _, _ := b.signIn(t, "alice", "pw-alice", "/")
			token := b.sessionToken(t, c)
			if m, code := b.whoami(t, c, nil); code != 200 || m.Name != "alice" {
				t.Fatalf("fresh session: %d %+v", code, m)
			}
			tt.end(t, c, token)
			// The old cookie, sent by hand: the server must refuse it
			// even if a browser kept it.
			cookie := map[string]string{"Cookie": auth.CookieName + "=" + token}
			if _, code := b.whoami(t, http.DefaultClient, cookie); code != 401 {
				t.Errorf("%s session: /api/me %d, want 401", tt.name, code)
			}
			var n int
			if err := dbtest.Migrated(t).QueryRow(t.Context(), "SELECT count(*) FROM auth_sessions WHERE token_hash = $1", auth.Hash(token)).Scan(&n); err != nil || n != 0 {
				t.Errorf("%s session: %d rows left (%v), want it deleted", tt.name, n, err)
			}
		})
	}
}

// Bearer JWTs from the provider are accepted for our audience only.
func TestOIDCBearerJWT(t *testing.T) {
	b := setupOIDC(t, auth.SessionConfig{})
	ours, _ := b.token(t, "civitas", "civitas-secret", "alice", "pw-alice").Extra("id_token").(string)
	theirs, _ := b.token(t, "other-app", "other-secret", "alice", "pw-alice").Extra("id_token").(string)
	if ours == "" || theirs == "" {
		t.Fatal("the provider issued no ID tokens")
	}
	m, code := b.whoami(t, http.DefaultClient, bearer(ours))
	if code != 200 || m.Name != "alice" || !slices.Equal(m.Groups, []string{"bauamt"}) || m.Auth != auth.MethodBearer {
		t.Errorf("our ID token as bearer: %d %+v", code, m)
	}
	for name, tok := range map[string]string{
		"another audience": theirs,
		"tampered":         ours[:len(ours)-4] + "AAAA",
		"not a JWT":        "hello",
	} {
		if _, code := b.whoami(t, http.DefaultClient, bearer(tok)); code != 401 {
			t.Errorf("bearer with %s: %d, want 401", name, code)
		}
	}
}
