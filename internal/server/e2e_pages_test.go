package server_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/civitas-eu/civitas/internal/auth"
)

// The about, audit and administration pages in a real browser, as a
// development user who is auditor and admin: the transparency notice
// names the models and the visible collections; an API key issued on the
// admin page works until it is revoked there; the audit page verifies the
// chain and finds the key's events and an answer's provenance; a typed
// confirmation erases a user. axe-core checks each page. Then sign-in and
// sign-out through a real OpenID provider.
func TestBrowserPages(t *testing.T) {
	ctx := browser(t)
	dir := artifacts(t)
	staff := "staff-" + newCollection()
	b := setup(t, setupOpts{auth: auth.Config{DevUser: staff, DevGroups: []string{auth.GroupAuditor, auth.GroupAdmin, "staff"}}})
	b.ingestFiles(t, []string{"staff"}, map[string]string{"glimmerbach.pdf": string(festivalPDF(t))})
	keyUser := "svc-" + b.collection

	t.Run("about", func(t *testing.T) { testAboutPage(t, ctx, dir, b) })
	var keyID string
	t.Run("admin", func(t *testing.T) { keyID = testAdminKeys(t, ctx, dir, b, keyUser) })
	t.Run("audit", func(t *testing.T) { testAuditPage(t, ctx, dir, b, staff, keyID) })
	t.Run("erase", func(t *testing.T) { testEraseSubject(t, ctx, b, keyUser) })
	t.Run("sign in and out", func(t *testing.T) { testSignInOut(t, ctx, dir) })
}

// openPage navigates to a page and waits for its script.
func openPage(t *testing.T, ctx context.Context, url string) {
	t.Helper()
	step(t, ctx, "open "+url, chromedp.Navigate(url))
	waitFor(t, ctx, "the page script of "+url, `document.body.dataset.ready === 'true'`, 20*time.Second)
}

// checkNarrow checks that at phone width nothing but the tables'
// own scroll areas scrolls sideways.
func checkNarrow(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	step(t, ctx, "narrow the window", chromedp.EmulateViewport(360, 740))
	if w := eval[int](t, ctx, `document.documentElement.scrollWidth`); w > 360 {
		t.Errorf("at 360 px the %s page is %d px wide", name, w)
	}
	step(t, ctx, "widen the window", chromedp.EmulateViewport(1280, 900))
}

func text(t *testing.T, ctx context.Context, selector string) string {
	t.Helper()
	return eval[string](t, ctx, fmt.Sprintf(`(document.querySelector(%q) || {innerText: ''}).innerText`, selector))
}

func testAboutPage(t *testing.T, ctx context.Context, dir string, b bundle) {
	openPage(t, ctx, b.url+"/about")
	if got := text(t, ctx, "#about-chat-model"); got != b.chatModel {
		t.Errorf("chat model shown %q, want %q", got, b.chatModel)
	}
	if got := text(t, ctx, "#about-embed-model"); got != b.embedModel {
		t.Errorf("embedding model shown %q, want %q", got, b.embedModel)
	}
	if eval[bool](t, ctx, `document.getElementById('about-chat-digest-row').hidden`) {
		t.Error("the chat model's digest is not shown")
	}
	row := fmt.Sprintf(`[...document.querySelectorAll('#about-collections-body tr')].find(r => r.cells[0].textContent === %q)`, b.collection)
	if got := eval[string](t, ctx, `(`+row+` || {cells: [{}, {textContent: 'missing'}]}).cells[1].textContent`); got != "1" {
		t.Errorf("collection %s listed with %q documents, want 1", b.collection, got)
	}
	if s := text(t, ctx, "main"); !strings.Contains(s, "AI-generated") || !strings.Contains(s, "cited sources") {
		t.Errorf("the about page lacks the AI notice: %q", s)
	}
	for _, nav := range []string{"/about", "/audit", "/admin"} {
		if !eval[bool](t, ctx, fmt.Sprintf(`!!document.querySelector('.site-nav a[href=%q]')`, nav)) {
			t.Errorf("no navigation link to %s for an auditor and admin", nav)
		}
	}
	// A development user has no session to end.
	if !eval[bool](t, ctx, `document.getElementById('sign-out-form').hidden`) {
		t.Error("sign-out offered to a development user")
	}
	if !eval[bool](t, ctx, `document.getElementById('about-retention').hidden`) {
		t.Error("a retention period is shown where none is set")
	}
	checkAccessibility(t, ctx, dir, "about")
	screenshot(t, ctx, dir, "about.png")
	checkNarrow(t, ctx, "about")

	kept := setup(t, setupOpts{auth: auth.Config{DevUser: "reader-" + b.collection}, retentionDays: 30})
	openPage(t, ctx, kept.url+"/about")
	if s := text(t, ctx, "#about-retention"); !strings.Contains(s, "kept for 30 days") {
		t.Errorf("retention notice %q, want 30 days", s)
	}
}

// meWith asks /api/me with an API key and returns the status and name.
func meWith(t *testing.T, b bundle, key string) (int, string) {
	t.Helper()
	resp, body := do(t, http.DefaultClient, "GET", b.url+"/api/me", nil, bearer(key))
	return resp.StatusCode, string(body)
}

const keyRow = `[...document.querySelectorAll('#keys-body tr')].find(r => r.textContent.includes(%q))`

func testAdminKeys(t *testing.T, ctx context.Context, dir string, b bundle, keyUser string) string {
	openPage(t, ctx, b.url+"/admin")
	waitFor(t, ctx, "the endpoints", `document.querySelectorAll('#endpoints div').length > 0`, 10*time.Second)
	if s := text(t, ctx, "#endpoints"); !strings.Contains(s, "Full") {
		t.Errorf("endpoints section %q lacks the mode", s)
	}
	if !eval[bool](t, ctx, `!!document.querySelector('section#models-admin #models-admin-body')`) {
		t.Error("no models section for the models page to fill")
	}

	step(t, ctx, "fill in the key form",
		chromedp.SendKeys(chromedp.CSS("#key-user"), keyUser),
		chromedp.SendKeys(chromedp.CSS("#key-groups"), "staff, bauamt"),
		chromedp.SendKeys(chromedp.CSS("#key-name"), "E2E client"),
		chromedp.Click(chromedp.CSS("#key-form button[type=submit]")))
	waitFor(t, ctx, "the new key", `!document.getElementById('new-key').hidden && document.getElementById('new-key-value').value.startsWith('civ_')`, 10*time.Second)
	key := eval[string](t, ctx, `document.getElementById('new-key-value').value`)
	if id := eval[string](t, ctx, `document.activeElement.id`); id != "new-key" {
		t.Errorf("focus after issuing is on #%s, want the new key's box", id)
	}
	row := fmt.Sprintf(keyRow, keyUser)
	waitFor(t, ctx, "the key in the list", row+` && `+row+`.dataset.status === 'active'`, 10*time.Second)
	if s := eval[string](t, ctx, row+`.innerText`); !strings.Contains(s, "E2E client") || !strings.Contains(s, "staff, bauamt") || !strings.Contains(s, key[:12]) {
		t.Errorf("key row %q: want its name, groups and prefix", s)
	}
	// Issued by the page's admin for another user: marked in words.
	if s := eval[string](t, ctx, row+`.innerText`); !strings.Contains(s, "on behalf") || !strings.Contains(s, "to act as "+keyUser) {
		t.Errorf("key row %q: want it marked as issued on behalf of %s", s, keyUser)
	}
	if code, body := meWith(t, b, key); code != 200 || !strings.Contains(body, keyUser) {
		t.Fatalf("/api/me with the issued key: %d %s", code, body)
	}
	step(t, ctx, "copy the key", chromedp.Click(chromedp.CSS("#copy-key")))
	waitFor(t, ctx, "the copy to be announced", `document.getElementById('admin-status').textContent.includes('copied')`, 5*time.Second)
	checkAccessibility(t, ctx, dir, "admin")
	screenshot(t, ctx, dir, "admin.png")
	checkNarrow(t, ctx, "admin")

	step(t, ctx, "close the key box", chromedp.Click(chromedp.CSS("#hide-key")))
	if eval[string](t, ctx, `document.getElementById('new-key-value').value`) != "" {
		t.Error("the key stays in the page after Done")
	}
	step(t, ctx, "revoke", chromedp.Evaluate[chromedp.Void](row+`.querySelector('button').click()`))
	waitFor(t, ctx, "the confirmation", `document.getElementById('confirm-dialog').open`, 5*time.Second)
	if s := text(t, ctx, "#confirm-title"); !strings.Contains(s, keyUser) {
		t.Errorf("confirmation %q does not name the key's user", s)
	}
	checkAccessibility(t, ctx, dir, "admin-revoke")
	step(t, ctx, "confirm", chromedp.Click(chromedp.CSS("#confirm-ok")))
	waitFor(t, ctx, "the key to be revoked", row+`.dataset.status === 'revoked' && !`+row+`.querySelector('button')`, 10*time.Second)
	if code, body := meWith(t, b, key); code != 401 {
		t.Errorf("/api/me with the revoked key: %d %s, want 401", code, body)
	}
	return eval[string](t, ctx, row+`.dataset.key`)
}

func testAuditPage(t *testing.T, ctx context.Context, dir string, b bundle, staff, keyID string) {
	question := "When is the Glimmerbach lantern festival held?"
	if resp, events := b.ask(t, staff, nil, map[string]any{"question": question}); resp.StatusCode != 200 || len(events) == 0 {
		t.Fatalf("chat: %d %v", resp.StatusCode, events)
	}
	openPage(t, ctx, b.url+"/audit")
	waitFor(t, ctx, "events", `document.querySelectorAll('#audit-body tr').length > 0`, 10*time.Second)

	step(t, ctx, "verify the chain", chromedp.Click(chromedp.CSS("#verify-button")))
	waitFor(t, ctx, "the verification", `document.getElementById('verify-result').dataset.ok !== undefined`, 30*time.Second)
	if s := text(t, ctx, "#verify-result"); eval[string](t, ctx, `document.getElementById('verify-result').dataset.ok`) != "true" || !strings.Contains(s, "intact") {
		t.Errorf("verification result %q, want the chain intact", s)
	}

	search := func(action string) {
		t.Helper()
		step(t, ctx, "search "+action,
			chromedp.SetValue(chromedp.CSS("#audit-action"), action), chromedp.SetValue(chromedp.CSS("#audit-actor"), staff),
			chromedp.Click(chromedp.CSS("#audit-form button[type=submit]")))
		waitFor(t, ctx, "the filtered events", fmt.Sprintf(`location.search.includes(%q) && [...document.querySelectorAll('#audit-body tr')].every(r => r.dataset.action.startsWith(%q)) && document.querySelectorAll('#audit-body tr').length > 0`, "action="+action, action), 10*time.Second)
	}
	search("admin.apikey.")
	got := eval[[]string](t, ctx, `[...document.querySelectorAll('#audit-body tr')].map(r => r.dataset.action + ' ' + r.cells[3].innerText.split('\n')[0])`)
	want := []string{"admin.apikey.revoked apikey:" + keyID, "admin.apikey.issued apikey:" + keyID}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("API key events %q, want %q", got, want)
	}
	action := eval[string](t, ctx, `document.getElementById('export-form').getAttribute('action')`)
	if !strings.Contains(action, "action=admin.apikey.") || eval[string](t, ctx, `document.getElementById('export-form').method`) != "post" ||
		eval[string](t, ctx, `document.getElementById('export-csv').value`) != "csv" {
		t.Errorf("CSV export form %q does not post the search", action)
	}
	resp, body := request(t, "POST", b.url+action+"&format=csv", "", nil, nil, nil)
	if resp.StatusCode != 200 || strings.Count(string(body), "admin.apikey.") != 2 {
		t.Errorf("CSV export: %d %s", resp.StatusCode, body)
	}

	search("answer.created")
	step(t, ctx, "open the answer's details", chromedp.Click(chromedp.CSS("#audit-body tr .event-details summary")))
	details := text(t, ctx, "#audit-body tr .event-details")
	for _, w := range []string{question, b.chatModel, b.embedModel, "Prompt version", "Riverside district events", "version 1", "given to the model"} {
		if !strings.Contains(details, w) {
			t.Errorf("answer event details lack %q: %q", w, details)
		}
	}
	checkAccessibility(t, ctx, dir, "audit")
	screenshot(t, ctx, dir, "audit.png")
	checkNarrow(t, ctx, "audit")
}

func testEraseSubject(t *testing.T, ctx context.Context, b bundle, keyUser string) {
	openPage(t, ctx, b.url+"/admin")
	row := fmt.Sprintf(keyRow, keyUser)
	waitFor(t, ctx, "the revoked key", row, 10*time.Second)
	step(t, ctx, "name the user", chromedp.SendKeys(chromedp.CSS("#subject-user"), keyUser),
		chromedp.Click(chromedp.CSS("#subject-erase")))
	waitFor(t, ctx, "the erase dialog", `document.getElementById('erase-dialog').open && document.getElementById('erase-ok').disabled`, 5*time.Second)
	step(t, ctx, "type a wrong name", chromedp.SendKeys(chromedp.CSS("#erase-confirm"), keyUser[:5]))
	if !eval[bool](t, ctx, `document.getElementById('erase-ok').disabled`) {
		t.Error("erase enabled before the name was typed in full")
	}
	step(t, ctx, "type the name", chromedp.SendKeys(chromedp.CSS("#erase-confirm"), keyUser[5:]))
	waitFor(t, ctx, "erase enabled", `!document.getElementById('erase-ok').disabled`, 5*time.Second)
	step(t, ctx, "erase", chromedp.Click(chromedp.CSS("#erase-ok")))
	waitFor(t, ctx, "the erasure", `document.getElementById('subject-result').textContent.includes('erased')`, 10*time.Second)
	if s := text(t, ctx, "#subject-result"); !strings.Contains(s, "1 API keys") {
		t.Errorf("erasure result %q, want the key counted", s)
	}
	waitFor(t, ctx, "the key to leave the list", `!(`+row+`)`, 10*time.Second)
}

// Through a real OpenID provider: a page sends the browser to sign in and
// back; the header names the user and offers "Sign out", which ends the
// session and lands on a page that does not sign straight back in.
func testSignInOut(t *testing.T, ctx context.Context, dir string) {
	ob := setupOIDC(t, auth.SessionConfig{})
	step(t, ctx, "open the admin page", chromedp.Navigate(ob.url+"/admin"))
	waitAcross(t, ctx, "the provider's login form", `!!document.querySelector('input[name=username]')`, 20*time.Second)
	step(t, ctx, "sign in",
		chromedp.SendKeys(chromedp.CSS("input[name=username]"), "root"),
		chromedp.SendKeys(chromedp.CSS("input[name=password]"), "pw-root"),
		chromedp.Click(chromedp.CSS("button[type=submit]")))
	waitAcross(t, ctx, "the admin page", `location.pathname === '/admin' && document.body.dataset.ready === 'true'`, 20*time.Second)
	waitFor(t, ctx, "the sign-out button", `!document.getElementById('sign-out-form').hidden`, 10*time.Second)
	if s := text(t, ctx, ".user-name"); !strings.Contains(s, "root") {
		t.Errorf("header names %q, want root", s)
	}
	step(t, ctx, "sign out", chromedp.Click(chromedp.CSS("#sign-out-form button")))
	waitAcross(t, ctx, "the signed-out page", `location.pathname === '/signed-out' && document.body.dataset.ready === 'true'`, 10*time.Second)
	status, err := chromedp.Run(ctx, chromedp.Evaluate[int](`fetch('/api/me').then(r => r.status)`, chromedp.EvalAwaitPromise))
	if err != nil || status != 401 {
		t.Errorf("/api/me after signing out: %d (%v), want 401", status, err)
	}
	checkAccessibility(t, ctx, dir, "signed-out")
}
