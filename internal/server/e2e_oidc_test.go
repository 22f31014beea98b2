package server_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/civitas-eu/civitas/internal/auth"
)

// Two notes on fees in the same fictional town, one per department: a
// question about them matches both, so only the groups claim decides
// which one a user's sources list.
const (
	oidcQuestion = "Vermerk Gebührenordnung Quellmoor"
	bauNote      = "# Vermerk Bauamt Quellmoor\n\nDer Vermerk zur Gebührenordnung betrifft Baugenehmigungen für Windmühlen in Quellmoor.\n"
	sozialNote   = "# Vermerk Sozialamt Quellmoor\n\nDer Vermerk zur Gebührenordnung betrifft Zuschüsse für Laternenfeste in Quellmoor.\n"
)

// Sign-in through a real browser: the chat page sends the browser to the
// OpenID provider, whose login form the test fills in; back on the chat
// page the groups claim decides which documents the answer draws on. The
// session cookie is out of the page's reach, an idle session is refused
// (the browser signs in again and returns to its conversation), another
// user in another browser sees only his own department, and signing out
// ends the session.
func TestBrowserOIDCSignIn(t *testing.T) {
	ctx := browser(t)
	dir := artifacts(t)
	b := setupOIDC(t, auth.SessionConfig{Idle: 30 * time.Minute, Max: 12 * time.Hour})
	b.ingestFiles(t, []string{"bauamt"}, map[string]string{"bau-quellmoor.md": bauNote})
	b.ingestFiles(t, []string{"sozialamt"}, map[string]string{"sozial-quellmoor.md": sozialNote})
	ids := b.documentIDs(t)
	bau, sozial := fmtID(ids["bau-quellmoor.md"]), fmtID(ids["sozial-quellmoor.md"])

	// Opening the assistant without a session ends on the provider's
	// login form; signing in there returns to the chat page.
	step(t, ctx, "open the chat page", chromedp.Navigate(b.url+"/"))
	b.signInBrowser(t, ctx, "alice", "pw-alice", "/")
	if s := eval[string](t, ctx, `document.querySelector('.user-name').textContent`); !strings.Contains(s, "alice") {
		t.Errorf("the page names %q as the user, want alice", s)
	}
	if m := fetchMe(t, ctx); m.Name != "alice" || !slices.Equal(m.Groups, []string{"bauamt"}) || m.Auth != auth.MethodOIDC {
		t.Errorf("/api/me from the page = %+v, want alice [bauamt] oidc", m)
	}

	askInBrowser(t, ctx, oidcQuestion)
	checkSources(t, ctx, "alice", bau, sozial)
	screenshot(t, ctx, dir, "oidc-chat.png")
	// Only our own page is checked: the provider's login form belongs to
	// the provider (a city's Keycloak or similar), not to this project.
	checkAccessibility(t, ctx, dir, "oidc-chat")

	// The session cookie: out of reach of scripts, sent on top-level
	// navigations from other sites (the provider's redirect back) but not
	// on their subrequests. The test server speaks plain http, so it runs
	// with CookieInsecure and the cookie is not Secure.
	token := checkSessionCookie(t, ctx, b.url, false)
	if has := eval[bool](t, ctx, `document.cookie.includes('`+auth.CookieName+`')`); has {
		t.Errorf("document.cookie shows %s: the session cookie must be HttpOnly", auth.CookieName)
	}

	// Bob, in a browser of his own (separate cookies), sees the other
	// department, and cannot open alice's document even by its address.
	t.Run("bob", func(t *testing.T) {
		bctx, cancel := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
		t.Cleanup(cancel)
		// Open the tab on a context without a deadline: the first run on
		// a chromedp context binds the tab's life to its context.
		if err := chromedp.Do(bctx); err != nil {
			t.Fatalf("open a browser context for bob: %v", err)
		}
		step(t, bctx, "open the chat page as bob", chromedp.Navigate(b.url+"/"))
		b.signInBrowser(t, bctx, "bob", "pw-bob", "/")
		if m := fetchMe(t, bctx); m.Name != "bob" || !slices.Equal(m.Groups, []string{"sozialamt"}) {
			t.Errorf("/api/me for bob = %+v, want bob [sozialamt]", m)
		}
		askInBrowser(t, bctx, oidcQuestion)
		checkSources(t, bctx, "bob", sozial, bau)
		if code := fetchStatus(t, bctx, "GET", "/api/documents/"+bau); code != 404 {
			t.Errorf("bob opening alice's document: %d, want 404", code)
		}

		// Signing out ends the session on the server and in the browser;
		// the next page load goes to the provider again.
		if code := fetchStatus(t, bctx, "POST", "/auth/logout"); code != 204 {
			t.Fatalf("POST /auth/logout from the page: %d, want 204", code)
		}
		if c := sessionCookie(t, bctx, b.url); c != nil {
			t.Errorf("the session cookie is still in the browser after signing out: %+v", c)
		}
		step(t, bctx, "reload after signing out", chromedp.Reload())
		b.waitForLoginForm(t, bctx)
	})

	// Alice's session is still hers after bob's sign-out. Then it goes
	// idle: reloading her conversation sends her to sign in again, and
	// she comes back to that conversation.
	if m := fetchMe(t, ctx); m.Name != "alice" {
		t.Errorf("alice after bob signed out: /api/me %+v", m)
	}
	conv := eval[string](t, ctx, `location.pathname + location.search`)
	if !strings.HasPrefix(conv, "/?c=") {
		t.Fatalf("the page address after asking is %q, want /?c=<conversation>", conv)
	}
	sql(t, "UPDATE auth_sessions SET last_seen_at = now() - interval '31 minutes' WHERE token_hash = $1", auth.Hash(token))
	if code := fetchStatus(t, ctx, "GET", "/api/me"); code != 401 {
		t.Errorf("/api/me with an idle session: %d, want 401", code)
	}
	step(t, ctx, "reload the conversation", chromedp.Reload())
	b.signInBrowser(t, ctx, "alice", "pw-alice", conv)
	waitFor(t, ctx, "the stored conversation", `document.querySelectorAll('.turn .source-link').length > 0`, 20*time.Second)
	checkSources(t, ctx, "alice (again)", bau, sozial)
	if fresh := checkSessionCookie(t, ctx, b.url, false); fresh == token {
		t.Error("signing in again kept the expired session's token")
	}

	// Signing out without the page's script: a plain form post. The
	// browser must leave the page (the CSP's form-action also governs the
	// post's redirects, so a redirect on to the provider would be refused
	// and leave the user looking signed in) and land on our own page.
	step(t, ctx, "sign out with a plain form post", chromedp.Evaluate[chromedp.Void](`(() => {
		let f = document.getElementById('sign-out-form');
		if (!f) {
			f = document.createElement('form');
			f.method = 'post';
			f.action = '/auth/logout';
			document.body.append(f);
		}
		HTMLFormElement.prototype.submit.call(f); // not the script's submit handler
	})()`))
	waitAcross(t, ctx, "the signed-out page",
		fmt.Sprintf(`location.origin === %q && location.pathname === '/signed-out'`, b.url), 30*time.Second)
	if c := sessionCookie(t, ctx, b.url); c != nil {
		t.Errorf("the session cookie is still in the browser after signing out: %+v", c)
	}
	step(t, ctx, "open the chat page after signing out", chromedp.Navigate(b.url+"/"))
	b.waitForLoginForm(t, ctx)
}

// signInBrowser expects the browser on the provider's login form, signs
// in there as name, and waits until the assistant's page at path (with
// its query) is loaded and its script ready.
func (b oidcBundle) signInBrowser(t *testing.T, ctx context.Context, name, password, path string) {
	t.Helper()
	b.waitForLoginForm(t, ctx)
	step(t, ctx, "sign in at the provider as "+name,
		chromedp.SendKeys(chromedp.CSS(`input[name="username"]`), name),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), password),
		chromedp.Click(chromedp.CSS(`button[type="submit"]`)))
	waitAcross(t, ctx, "the assistant's page "+path+" after signing in as "+name,
		fmt.Sprintf(`location.origin === %q && location.pathname + location.search === %q && document.body.dataset.ready === 'true'`, b.url, path), 30*time.Second)
}

// waitForLoginForm waits until the browser shows the provider's login
// form: the assistant sent it there, not to one of its own pages.
func (b oidcBundle) waitForLoginForm(t *testing.T, ctx context.Context) {
	t.Helper()
	waitAcross(t, ctx, "the provider's login form",
		fmt.Sprintf(`location.href.startsWith(%q) && !!document.querySelector('input[name="username"]')`, b.provider.Issuer+"/login/username?"), 30*time.Second)
}

// evalAwait evaluates a JavaScript expression that yields a promise and
// decodes what it resolves to.
func evalAwait[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(sctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// fetchMe asks /api/me from the page, as its scripts would.
func fetchMe(t *testing.T, ctx context.Context) me {
	t.Helper()
	return evalAwait[me](t, ctx, `fetch('/api/me', {credentials: 'same-origin'}).then(r => r.ok ? r.json() : {name: 'HTTP ' + r.status})`)
}

// fetchStatus sends a same-origin request from the page and returns the
// status code.
func fetchStatus(t *testing.T, ctx context.Context, method, path string) int {
	t.Helper()
	return evalAwait[int](t, ctx, fmt.Sprintf(`fetch(%q, {method: %q, credentials: 'same-origin'}).then(r => r.status)`, path, method))
}

// checkSources checks the sources of the last answer on the page: the
// document the user's group may read is listed, the other group's never.
func checkSources(t *testing.T, ctx context.Context, who, sees, hidden string) {
	t.Helper()
	got := eval[[]string](t, ctx, `[...document.querySelectorAll('.turn:last-child .source-link')].map(a => a.dataset.document)`)
	if !slices.Contains(got, sees) || slices.Contains(got, hidden) {
		t.Errorf("%s's sources are documents %v, want %s and never %s", who, got, sees, hidden)
	}
}

// sessionCookie returns the browser's session cookie for the assistant,
// read through the DevTools protocol (the page itself cannot see it), or
// nil.
func sessionCookie(t *testing.T, ctx context.Context, baseURL string) *network.Cookie {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	res, err := chromedp.Call(sctx, network.GetCookies, network.GetCookiesParams{URLs: []string{baseURL + "/"}})
	if err != nil {
		t.Fatalf("read the browser's cookies: %v", err)
	}
	for _, c := range res.Cookies {
		if c.Name == auth.CookieName {
			return c
		}
	}
	return nil
}

// checkSessionCookie checks the flags of the session cookie as the
// browser stored it and returns its value.
func checkSessionCookie(t *testing.T, ctx context.Context, baseURL string, secure bool) string {
	t.Helper()
	c := sessionCookie(t, ctx, baseURL)
	if c == nil {
		t.Fatalf("the browser holds no %s cookie for %s", auth.CookieName, baseURL)
	}
	if !c.HTTPOnly || c.SameSite != network.CookieSameSiteLax || c.Secure != secure || c.Path != "/" || !c.Session {
		t.Errorf("session cookie httpOnly=%v sameSite=%q secure=%v path=%q session=%v, want httpOnly, Lax, secure=%v, path /, ending with the browser",
			c.HTTPOnly, c.SameSite, c.Secure, c.Path, c.Session, secure)
	}
	return c.Value
}
