package server_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// colourScheme emulates the system's prefers-color-scheme.
func colourScheme(scheme string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}})
		return err
	})
}

// testHistory: dark mode (switch, remembered over a reload, axe-core and
// a screenshot), regenerate, the shortcuts dialog, then rename, search,
// export and delete of the conversation through the page; then example
// questions set on the documents page and asked from the empty chat.
func testHistory(t *testing.T, ctx context.Context, dir string, b bundle, userName, collection string) {
	convID := eval[int](t, ctx, `Number(new URLSearchParams(location.search).get('c'))`)
	if convID == 0 {
		t.Fatal("no conversation in the address after the answer")
	}

	// A system in dark mode gets the dark colours without the switch.
	step(t, ctx, "a dark system", colourScheme("dark"), chromedp.Evaluate[chromedp.Void](`localStorage.removeItem('civitas.theme')`), chromedp.Reload())
	waitFor(t, ctx, "the page script", `document.body.dataset.ready === 'true' && document.querySelectorAll('.turn').length > 0`, 20*time.Second)
	if th := eval[string](t, ctx, `(document.documentElement.dataset.theme || 'system') + ' ' + document.getElementById('theme-toggle').getAttribute('aria-pressed') + ' ' + getComputedStyle(document.documentElement).backgroundColor`); th != "system true rgb(21, 24, 29)" {
		t.Errorf("on a dark system: %q", th)
	}
	checkAccessibility(t, ctx, dir, "chat-system-dark")
	step(t, ctx, "a light system", colourScheme("light"), chromedp.Reload())
	waitFor(t, ctx, "the page script", `document.body.dataset.ready === 'true' && document.querySelectorAll('.turn').length > 0`, 20*time.Second)

	// Dark mode: the switch, remembered over a reload.
	step(t, ctx, "switch dark mode on", chromedp.Click(chromedp.CSS("#theme-toggle")))
	step(t, ctx, "reload", chromedp.Reload())
	waitFor(t, ctx, "the page script", `document.body.dataset.ready === 'true' && document.querySelectorAll('.turn').length > 0`, 20*time.Second)
	if th := eval[string](t, ctx, `document.documentElement.dataset.theme + ' ' + document.getElementById('theme-toggle').getAttribute('aria-pressed') + ' ' + getComputedStyle(document.documentElement).backgroundColor`); th != "dark true rgb(21, 24, 29)" {
		t.Errorf("after reload in dark mode: %q", th)
	}
	screenshot(t, ctx, dir, "chat-dark.png")
	checkAccessibility(t, ctx, dir, "chat-markdown-dark")

	// Regenerate asks the last question again: a second answer.
	step(t, ctx, "regenerate", chromedp.Click(chromedp.CSS(".turn:last-child .regenerate")))
	waitFor(t, ctx, "the regenerated answer", `document.querySelectorAll('.turn').length === 2 && !document.getElementById('send').disabled && document.querySelector('.turn:last-child .answer-actions:not([hidden])')`, 60*time.Second)
	if n := eval[int](t, ctx, `[...document.querySelectorAll('.regenerate')].filter((b) => b.offsetParent !== null).length`); n != 1 {
		t.Errorf("%d regenerate buttons shown, want one (the last answer's)", n)
	}

	// "?" outside a text field opens the shortcuts; Escape closes it.
	step(t, ctx, "focus the page", chromedp.Evaluate[chromedp.Void](`document.activeElement.blur()`))
	step(t, ctx, "press ?", chromedp.KeyEvent("?"))
	waitFor(t, ctx, "the shortcuts dialog", `document.getElementById('help-dialog').open`, 5*time.Second)
	if s := text(t, ctx, "#help-dialog"); !strings.Contains(s, "Regenerate the last answer") {
		t.Errorf("shortcuts dialog: %q", s)
	}
	checkAccessibility(t, ctx, dir, "chat-shortcuts-dark")
	step(t, ctx, "press Escape", chromedp.KeyEvent(kb.Escape))
	waitFor(t, ctx, "the dialog to close", `!document.getElementById('help-dialog').open`, 5*time.Second)
	step(t, ctx, "switch dark mode off with Alt+M", chromedp.KeyEvent("m", chromedp.KeyModifiers(chromedp.ModifierAlt)))
	if th := eval[string](t, ctx, `document.documentElement.dataset.theme`); th != "light" {
		t.Errorf("after switching off: theme %q", th)
	}

	// Rename through the dialog.
	step(t, ctx, "open rename", chromedp.Click(chromedp.CSS("#conversation-rename")))
	waitFor(t, ctx, "the rename dialog", `document.getElementById('rename-dialog').open`, 5*time.Second)
	step(t, ctx, "type the title",
		chromedp.Evaluate[chromedp.Void](`document.getElementById('rename-input').value = ''`),
		chromedp.SendKeys(chromedp.CSS("#rename-input"), "Festival notes"),
		chromedp.Click(chromedp.CSS(`#rename-dialog button[value="ok"]`)))
	current := fmt.Sprintf(`document.querySelector('#conversation-list a[data-id="%d"]')`, convID)
	waitFor(t, ctx, "the renamed conversation", current+` && `+current+`.textContent === 'Festival notes'`, 10*time.Second)

	// Search finds it by its answer's text; nonsense finds nothing.
	step(t, ctx, "search", chromedp.SendKeys(chromedp.CSS("#conversation-search"), "pavement"))
	waitFor(t, ctx, "the search result", `document.querySelectorAll('#conversation-list a').length === 1 && !!`+current, 10*time.Second)

	// Export: the links download Markdown and JSON with the sources.
	md := evalAwait[string](t, ctx, `fetch(document.getElementById('conversation-export-md').href).then((r) => r.text())`)
	if !strings.Contains(md, "# Festival notes") || !strings.Contains(md, "| Duty | When |") || !strings.Contains(md, "glimmerbach") && !strings.Contains(md, "Riverside") {
		t.Errorf("Markdown export: %q", md)
	}
	js := evalAwait[string](t, ctx, `fetch(document.getElementById('conversation-export-json').href).then((r) => r.text())`)
	if !strings.Contains(js, `"title": "Festival notes"`) || !strings.Contains(js, "cleared of snow") {
		t.Errorf("JSON export: %.400s", js)
	}

	// Delete, confirmed in the dialog: gone from the list and the API.
	step(t, ctx, "delete", chromedp.Click(chromedp.CSS("#conversation-delete")))
	waitFor(t, ctx, "the confirmation", `document.getElementById('confirm-dialog').open`, 5*time.Second)
	checkAccessibility(t, ctx, dir, "chat-delete-confirm")
	step(t, ctx, "confirm", chromedp.Click(chromedp.CSS("#confirm-ok")))
	waitFor(t, ctx, "the conversation to go", `!`+current+` && document.querySelectorAll('.turn').length === 0 && document.getElementById('conversation-tools').hidden`, 10*time.Second)
	if resp, raw := request(t, "GET", fmt.Sprintf("%s/api/conversations/%d", b.url, convID), userName, nil, nil, nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("deleted conversation: %d %s, want 404", resp.StatusCode, raw)
	}

	// Example questions: set on the documents page, offered on the empty
	// chat of the collection; a click asks.
	openPage(t, ctx, b.url+"/documents")
	step(t, ctx, "set example questions",
		chromedp.SendKeys(chromedp.CSS("#suggest-collection"), collection),
		chromedp.SendKeys(chromedp.CSS("#suggest-questions"), "When is the lantern festival?\nWho clears the pavement?"),
		chromedp.Click(chromedp.CSS(`#suggest-form button[type="submit"]`)))
	waitFor(t, ctx, "the saved questions", `document.getElementById('suggest-status').textContent.includes('2 example questions')`, 10*time.Second)
	openPage(t, ctx, b.url+"/?collection="+collection)
	waitFor(t, ctx, "the example questions", `document.querySelectorAll('#chat-intro button.suggestion').length === 2`, 10*time.Second)
	checkAccessibility(t, ctx, dir, "chat-empty-suggestions")
	screenshot(t, ctx, dir, "chat-suggestions.png")
	step(t, ctx, "ask an example question", chromedp.Click(chromedp.CSS("#chat-intro button.suggestion")))
	waitFor(t, ctx, "its answer", `document.querySelectorAll('.turn').length === 1 && document.querySelector('.turn .turn-question').textContent.includes('When is the lantern festival?') && document.querySelector('.turn .answer-actions:not([hidden])')`, 60*time.Second)
}
