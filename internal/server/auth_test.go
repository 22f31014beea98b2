package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/civitas-eu/civitas/internal/auth"
	"github.com/civitas-eu/civitas/internal/auth/oidctest"
	"github.com/civitas-eu/civitas/internal/dbtest"
	"github.com/civitas-eu/civitas/internal/store"
)

// cliRedirect is a redirect URI of the test clients where nothing
// listens: tokens for API clients are fetched by stopping there.
const cliRedirect = "http://127.0.0.1:9/cli"

var testUsers = []oidctest.User{
	{Name: "alice", Password: "pw-alice", Groups: []string{"bauamt"}},
	{Name: "bob", Password: "pw-bob", Groups: []string{"sozialamt"}},
	{Name: "root", Password: "pw-root", Groups: []string{auth.GroupAdmin, "bauamt"}},
}

type oidcBundle struct {
	bundle
	provider *oidctest.Provider
}

// setupOIDC runs the assistant in OIDC mode against a real provider
// (zitadel/oidc's op) with the test users, and two clients: the
// assistant, and another application whose tokens must be refused.
func setupOIDC(t *testing.T, session auth.SessionConfig) oidcBundle {
	t.Helper()
	var p *oidctest.Provider
	mode := auth.Config{Mode: auth.ModeOIDC}
	b := setup(t, setupOpts{auth: mode, authn: func(t testing.TB, baseURL string, st *store.Store) *auth.Authenticator {
		p = oidctest.Start(t, []oidctest.Client{
			{ID: "civitas", Secret: "civitas-secret", RedirectURIs: []string{baseURL + "/auth/callback", cliRedirect}},
			{ID: "other-app", Secret: "other-secret", RedirectURIs: []string{cliRedirect}},
		}, testUsers)
		cfg := mode
		cfg.OIDC = auth.OIDCConfig{Issuer: p.Issuer, ClientID: "civitas", ClientSecret: "civitas-secret",
			RedirectURL: baseURL + "/auth/callback", Scopes: []string{"profile", "email"}}
		session.CookieInsecure = true // the test server speaks plain http
		cfg.Session = session
		o, err := auth.Discover(context.Background(), cfg.OIDC, nil)
		if err != nil {
			t.Fatal(err)
		}
		return auth.New(cfg, st, o)
	}})
	return oidcBundle{bundle: b, provider: p}
}

var formID = regexp.MustCompile(`name="id" value="([^"]+)"`)

// signIn goes through the browser flow with a cookie jar: the assistant
// sends the browser to the provider, whose login form is posted, and
// the provider sends it back to the callback and on to next. It returns
// the browser and the last response with its body.
func (b oidcBundle) signIn(t *testing.T, name, password, next string) (*http.Client, *http.Response, []byte) {
	t.Helper()
	return b.signInWith(t, newBrowser(nil), name, password, next)
}

// newBrowser returns a client with a cookie jar that follows redirects,
// reporting each to seen if it is not nil.
func newBrowser(seen func(*http.Request)) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 30 * time.Second, CheckRedirect: func(r *http.Request, via []*http.Request) error {
		if seen != nil {
			seen(r)
		}
		if len(via) >= 10 {
			return http.ErrUseLastResponse
		}
		return nil
	}}
}

// signInWith signs in with the browser c.
func (b oidcBundle) signInWith(t *testing.T, c *http.Client, name, password, next string) (*http.Client, *http.Response, []byte) {
	t.Helper()
	resp, body := do(t, c, "GET", b.url+"/auth/login?next="+url.QueryEscape(next), nil, nil)
	m := formID.FindSubmatch(body)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Request.URL.String(), b.provider.Issuer+"/login/username") || m == nil {
		t.Fatalf("login did not reach the provider's form: %d %s %s", resp.StatusCode, resp.Request.URL, body)
	}
	form := url.Values{"id": {string(m[1])}, "username": {name}, "password": {password}}
	resp, body = do(t, c, "POST", b.provider.Issuer+"/login/username", strings.NewReader(form.Encode()),
		map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	if !strings.HasPrefix(resp.Request.URL.String(), b.url+"/") || strings.HasPrefix(resp.Request.URL.Path, "/auth/") {
		t.Fatalf("sign-in of %s did not land on the assistant: %d %s %s", name, resp.StatusCode, resp.Request.URL, body)
	}
	return c, resp, body
}

// sessionToken returns the session cookie the browser holds.
func (b oidcBundle) sessionToken(t *testing.T, c *http.Client) string {
	t.Helper()
	u, _ := url.Parse(b.url)
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == auth.CookieName {
			return ck.Value
		}
	}
	t.Fatal("no session cookie in the browser")
	return ""
}

// token signs in at the provider as an API client of clientID would, and
// returns the tokens (the ID token is a JWT signed by the provider).
func (b oidcBundle) token(t *testing.T, clientID, secret, name, password string) *oauth2.Token {
	t.Helper()
	ep := oauth2.Endpoint{AuthURL: b.provider.Issuer + "/authorize", TokenURL: b.provider.Issuer + "/oauth/token"}
	oc := oauth2.Config{ClientID: clientID, ClientSecret: secret, Endpoint: ep, RedirectURL: cliRedirect, Scopes: []string{"openid", "profile"}}
	verifier := oauth2.GenerateVerifier()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second, CheckRedirect: func(r *http.Request, _ []*http.Request) error {
		if strings.HasPrefix(r.URL.String(), cliRedirect) {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	_, body := do(t, c, "GET", oc.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier)), nil, nil)
	m := formID.FindSubmatch(body)
	if m == nil {
		t.Fatalf("no login form for %s: %s", clientID, body)
	}
	form := url.Values{"id": {string(m[1])}, "username": {name}, "password": {password}}
	resp, _ := do(t, c, "POST", b.provider.Issuer+"/login/username", strings.NewReader(form.Encode()),
		map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || loc.Query().Get("code") == "" {
		t.Fatalf("no code for %s: %d %v", clientID, resp.StatusCode, resp.Header)
	}
	tok, err := oc.Exchange(context.Background(), loc.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("exchange code for %s: %v", clientID, err)
	}
	return tok
}

type me struct {
	Name   string   `json:"name"`
	Groups []string `json:"groups"`
	Auth   string   `json:"auth"`
}

// whoami asks /api/me with c and optional headers; ok is false on 401.
func (b oidcBundle) whoami(t *testing.T, c *http.Client, headers map[string]string) (me, int) {
	t.Helper()
	resp, body := do(t, c, "GET", b.url+"/api/me", nil, headers)
	var m me
	if resp.StatusCode == 200 {
		if err := json.Unmarshal(body, &m); err != nil {
			t.Fatalf("/api/me: %v %s", err, body)
		}
	}
	return m, resp.StatusCode
}

func bearer(token string) map[string]string {
	return map[string]string{"Authorization": "Bearer " + token}
}

// documentIDs maps the file names of the bundle's collection to ids.
func (b oidcBundle) documentIDs(t *testing.T) map[string]int64 {
	t.Helper()
	rows, err := dbtest.Migrated(t).Query(context.Background(), `SELECT d.id, d.source_uri FROM documents d
		JOIN collections c ON c.id = d.collection_id WHERE c.name = $1`, b.collection)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for rows.Next() {
		var id int64
		var src string
		if err := rows.Scan(&id, &src); err != nil {
			t.Fatal(err)
		}
		out[src[strings.LastIndex(src, "/")+1:]] = id
	}
	if rows.Err() != nil {
		t.Fatal(rows.Err())
	}
	return out
}

// sql runs a statement on the test database.
func sql(t *testing.T, stmt string, args ...any) {
	t.Helper()
	if _, err := dbtest.Migrated(t).Exec(context.Background(), stmt, args...); err != nil {
		t.Fatalf("%s: %v", stmt, err)
	}
}

func fmtID(id int64) string { return fmt.Sprint(id) }
