package server_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/civitas-eu/civitas/internal/server"
)

// A question that waits for a free answer slot says so on the chat page,
// with the questions ahead of it and its place in line, and politely in
// the live region; the answer follows once the slot is free.
func TestBrowserQueuedQuestion(t *testing.T) {
	ctx := browser(t)
	userName := "e2e-" + newCollection()
	ans := newBlocking(t)
	b := setup(t, setupOpts{auth: e2eAuth(userName), answerer: ans, limits: server.Limits{MaxAnswers: 1, QueueWait: time.Minute}})
	first := b.askAsync(t, userName) // holds the only slot
	ans.waitStarted(t, userName)

	step(t, ctx, "open the chat page", chromedp.Navigate(b.url+"/"))
	waitFor(t, ctx, "the page script", `document.body.dataset.ready === 'true'`, 20*time.Second)
	step(t, ctx, "ask", chromedp.SendKeys(chromedp.CSS("#question"), "Was kostet der Ausweis?"+kb.Enter))
	waitFor(t, ctx, "the queued state", `(document.querySelector('.turn .answer-state') || {}).textContent?.includes('Waiting — your question is next (number 1 in line)')`, 20*time.Second)
	waitFor(t, ctx, "the queued announcement", `document.getElementById('chat-status').textContent.includes('number 1 in line')`, 5*time.Second)
	if live := eval[string](t, ctx, `document.getElementById('chat-status').getAttribute('aria-live')`); live != "polite" {
		t.Errorf("the queued state is announced in a region with aria-live %q", live)
	}
	checkAccessibility(t, ctx, artifacts(t), "chat-queued")

	ans.open()
	<-first
	waitFor(t, ctx, "the answer after the wait", `!document.getElementById('send').disabled && document.querySelector('.turn .answer-actions:not([hidden])')`, 30*time.Second)
	if s := eval[string](t, ctx, `document.querySelector('.turn .answer-text').textContent`); !strings.Contains(s, "90 Euro") {
		t.Errorf("answer text %q", s)
	}
}
