package server_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/civitas-eu/civitas/internal/auth"
	"github.com/civitas-eu/civitas/internal/pdfmake"
)

// A browser cannot set proxy headers: the browser test runs as a
// development user, a knowledge manager, named afresh for each run (the
// test database is shared).
func e2eAuth(userName string) auth.Config {
	return auth.Config{DevUser: userName, DevGroups: []string{auth.GroupKnowledgeManager, "staff"}}
}

// festivalPDF is a two-page document about a fictional festival; only its
// second page names it, so a question about it cites page 2.
func festivalPDF(t *testing.T) []byte {
	t.Helper()
	d := pdfmake.New("Riverside district events")
	d.Heading("Riverside district")
	d.Paragraph("The riverside district has three public squares, a weekly market on Thursdays and a ferry to the old harbour.")
	d.PageBreak()
	d.Heading("Glimmerbach lantern festival")
	d.Paragraph("The Glimmerbach lantern festival is held every year on the second Saturday of October. " +
		"Lanterns are launched from the Quillbridge pier at dusk; the festival ends with a parade to the town hall.")
	var buf bytes.Buffer
	if _, err := d.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

var fileURL = regexp.MustCompile(`^/api/documents/(\d+)/file#page=(\d+)$`)

// panelURL returns the address of the side panel's document (its "open
// in new tab" link: a cited passage is shown marked in the panel itself),
// path and fragment.
func panelURL(t *testing.T, ctx context.Context) string {
	t.Helper()
	return eval[string](t, ctx, `(() => { const u = new URL(document.getElementById('doc-panel-newtab').href); return u.pathname + u.hash; })()`)
}

// ask types a question into the chat page, sends it with Enter, and waits
// until the answer is complete.
func askInBrowser(t *testing.T, ctx context.Context, question string) {
	t.Helper()
	before := eval[int](t, ctx, `document.querySelectorAll('.turn').length`)
	step(t, ctx, "type the question", chromedp.SendKeys(chromedp.CSS("#question"), question+kb.Enter))
	waitFor(t, ctx, "the finished answer", fmt.Sprintf(`document.querySelectorAll('.turn').length === %d && !document.querySelector('.turn:last-child').hasAttribute('aria-busy') && !document.getElementById('send').disabled && document.querySelector('.turn:last-child .answer-actions:not([hidden])')`, before+1), 2*time.Minute)
}

// The employee's path through the web interface in a real browser: ask a
// question about an ingested PDF, see the streamed answer and its sources,
// open a source at its page, rate the answer, switch to German; citation
// links, the degraded-mode banner and the documents page; and axe-core
// finds no serious accessibility problem on the way.
func TestBrowserEndToEnd(t *testing.T) {
	ctx := browser(t)
	dir := artifacts(t)
	t.Logf("artifacts: %s", dir)
	userName := "e2e-" + newCollection()
	b := setup(t, setupOpts{auth: e2eAuth(userName)})
	b.ingestFiles(t, nil, map[string]string{"glimmerbach.pdf": string(festivalPDF(t))})

	// The page loads and starts in the browser's language.
	// The test database is shared with other packages' tests: ask only
	// this test's collection, chosen through the page's own link parameter.
	step(t, ctx, "open the chat page", chromedp.Navigate(b.url+"/?collection="+b.collection))
	waitFor(t, ctx, "the page script", `document.body.dataset.ready === 'true'`, 20*time.Second)
	if l := eval[string](t, ctx, `document.documentElement.lang`); l != "en" {
		t.Errorf("html lang = %q, want en", l)
	}
	if got := eval[string](t, ctx, `document.getElementById('scope').value`); got != b.collection {
		t.Fatalf("search scope %q, want the linked collection %q", got, b.collection)
	}
	if s := eval[string](t, ctx, `document.getElementById('ai-notice').innerText`); !strings.Contains(s, "AI") || !strings.Contains(s, "sources") {
		t.Errorf("AI notice %q", s)
	}
	if eval[bool](t, ctx, `!document.getElementById('mode-banner').hidden`) {
		t.Errorf("mode banner shown with every model present: %q", eval[string](t, ctx, `document.getElementById('mode-banner').textContent`))
	}
	// Keyboard users reach the skip link first.
	step(t, ctx, "press Tab", chromedp.KeyEvent(kb.Tab))
	if cls := eval[string](t, ctx, `document.activeElement.className`); cls != "skip-link" {
		t.Errorf("first Tab stop has class %q, want the skip link", cls)
	}

	// Ask; the answer streams in from the real model, with its sources.
	askInBrowser(t, ctx, "When is the Glimmerbach lantern festival held?")
	answerText := eval[string](t, ctx, `document.querySelector('.turn .answer-text').textContent`)
	state := eval[string](t, ctx, `document.querySelector('.turn .answer-state').textContent`)
	t.Logf("answer: %q (state %q)", answerText, state)
	if strings.TrimSpace(answerText) == "" {
		t.Errorf("no answer text shown (state %q)", state)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('.turn .source-link').length`); n == 0 {
		t.Fatal("no sources listed")
	}
	if s := eval[string](t, ctx, `document.querySelector('.turn .sources').innerText`); !strings.Contains(s, "Glimmerbach") {
		t.Errorf("sources consulted lack the festival snippet: %q", s)
	}
	if s := eval[string](t, ctx, `document.getElementById('answer-live').textContent`); !strings.HasPrefix(s, "Answer:") {
		t.Errorf("live region %q, want the finished answer announced", s)
	}

	// A source opens in the side panel at its page.
	step(t, ctx, "click the first source", chromedp.Click(chromedp.CSS(".turn .source-link")))
	waitFor(t, ctx, "the document panel", `!document.getElementById('doc-panel').hidden`, 10*time.Second)
	src := panelURL(t, ctx)
	m := fileURL.FindStringSubmatch(src)
	if m == nil {
		t.Fatalf("panel shows %q, want /api/documents/{id}/file#page=N", src)
	}
	docID, _ := strconv.ParseInt(m[1], 10, 64)
	if m[2] != "2" {
		t.Errorf("panel opens page %s, want 2 (the festival is on page 2)", m[2])
	}
	if resp, body := request(t, "GET", b.url+"/api/documents/"+m[1], "", nil, nil, nil); resp.StatusCode != 200 || !strings.Contains(string(body), "glimmerbach.pdf") {
		t.Errorf("the panel's document %s is not the festival PDF: %d %s", m[1], resp.StatusCode, body)
	}
	// The frame must show the PDF itself, not an error: fetch what it
	// loads, with the page's own cookies and headers.
	loaded, err := chromedp.Run(ctx, chromedp.Evaluate[string](
		`fetch(document.getElementById('doc-panel-newtab').href).then(r => r.status + ' ' + r.headers.get('content-type'))`,
		chromedp.EvalAwaitPromise))
	if err != nil || loaded != "200 application/pdf" {
		t.Errorf("the panel's frame loads %q (%v), want 200 application/pdf", loaded, err)
	}
	if nt := eval[string](t, ctx, `(() => { const u = new URL(document.getElementById('doc-panel-newtab').href); return u.pathname + u.hash; })()`); nt != src {
		t.Errorf("open-in-new-tab link %q, want %q", nt, src)
	}
	// Focus goes to the panel's heading, then to the marked passage.
	if id := eval[string](t, ctx, `document.activeElement.id`); id != "doc-panel-title" && id != "passage-mark" {
		t.Errorf("focus after opening the panel is on #%s, want the panel heading or the marked passage", id)
	}
	screenshot(t, ctx, dir, "chat.png")

	// Escape closes it and gives focus back to the link.
	step(t, ctx, "press Escape", chromedp.KeyEvent(kb.Escape))
	waitFor(t, ctx, "the panel to close", `document.getElementById('doc-panel').hidden`, 5*time.Second)
	if cls := eval[string](t, ctx, `document.activeElement.className`); cls != "source-link" {
		t.Errorf("focus after closing the panel is on %q, want the source link", cls)
	}

	checkAccessibility(t, ctx, dir, "chat")

	// Thumbs up, then a comment: stored for this user's answer.
	step(t, ctx, "rate the answer", chromedp.Click(chromedp.CSS(".turn .rate-up")))
	waitFor(t, ctx, "the rating to be saved", `document.querySelector('.turn .rate-up').getAttribute('aria-pressed') === 'true' && !document.querySelector('.turn .feedback-form').hidden`, 10*time.Second)
	step(t, ctx, "comment on the answer",
		chromedp.SendKeys(chromedp.CSS(".turn .feedback-form textarea"), "Clear and correct."),
		chromedp.Click(chromedp.CSS(".turn .feedback-form button[type=submit]")))
	waitFor(t, ctx, "the comment to be saved", `document.querySelector('.turn .feedback-form').hidden`, 10*time.Second)
	checkFeedback(t, b, userName, "up", "Clear and correct.")

	// At phone width nothing scrolls sideways.
	step(t, ctx, "narrow the window", chromedp.EmulateViewport(360, 740))
	if w := eval[int](t, ctx, `document.documentElement.scrollWidth`); w > 360 {
		t.Errorf("at 360 px the page is %d px wide", w)
	}
	screenshot(t, ctx, dir, "chat-360.png")
	step(t, ctx, "widen the window", chromedp.EmulateViewport(1280, 900))

	// German, remembered across a reload; the conversation is listed.
	step(t, ctx, "switch to German", chromedp.SetValue(chromedp.CSS("#lang-select"), "de"),
		chromedp.Evaluate[chromedp.Void](`document.getElementById('lang-select').dispatchEvent(new Event('change'))`))
	waitFor(t, ctx, "German", `document.documentElement.lang === 'de'`, 10*time.Second)
	step(t, ctx, "reload", chromedp.Reload())
	waitFor(t, ctx, "the reloaded page", `document.body.dataset.ready === 'true' && document.documentElement.lang === 'de'`, 20*time.Second)
	if s := eval[string](t, ctx, `document.getElementById('send').textContent + ' | ' + document.querySelector('#ai-notice strong').textContent`); s != "Senden | KI-generierte Antworten." {
		t.Errorf("German strings: %q", s)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('#conversation-list a').length`); n != 1 {
		t.Errorf("%d conversations listed, want 1", n)
	}
	step(t, ctx, "open the conversation", chromedp.Click(chromedp.CSS("#conversation-list a")))
	waitFor(t, ctx, "the stored answer", `document.querySelectorAll('.turn .source-link').length > 0 && location.search.startsWith('?c=')`, 10*time.Second)
	screenshot(t, ctx, dir, "chat-de.png")

	t.Run("citation links", func(t *testing.T) { testCitationLinks(t, ctx, dir, userName, docID) })
	t.Run("stop generating", func(t *testing.T) { testStop(t, ctx, userName) })
	t.Run("search mode banner", func(t *testing.T) { testSearchBanner(t, ctx, userName) })
	t.Run("documents page", func(t *testing.T) { testDocumentsPage(t, ctx, dir, userName) })
}

func checkFeedback(t *testing.T, b bundle, userName, rating, comment string) {
	t.Helper()
	bg := context.Background()
	convs, err := b.store.Conversations(bg, userName, 10)
	if err != nil || len(convs) == 0 {
		t.Fatalf("conversations of %s: %v %v", userName, convs, err)
	}
	answers, err := b.store.Answers(bg, convs[0].ID)
	if err != nil || len(answers) == 0 {
		t.Fatalf("answers: %v %v", answers, err)
	}
	f, err := b.store.FeedbackOf(bg, answers[len(answers)-1].ID, userName)
	if err != nil || f.Rating != rating || f.Comment != comment {
		t.Errorf("stored feedback %+v (%v), want %s %q", f, err, rating, comment)
	}
}

// A model that cites: "[1]" becomes a link to the source at its page, and
// opens it in the panel.
func testCitationLinks(t *testing.T, ctx context.Context, dir, userName string, docID int64) {
	s := newScripted()
	s.source.DocumentID, s.source.Title = docID, "Riverside district events"
	b := setup(t, setupOpts{auth: e2eAuth(userName), answerer: s})
	step(t, ctx, "open the scripted assistant", chromedp.Navigate(b.url+"/"))
	waitFor(t, ctx, "the page script", `document.body.dataset.ready === 'true'`, 20*time.Second)
	askInBrowser(t, ctx, "Was kostet der Ausweis?")
	want := fmt.Sprintf("/api/documents/%d/file#page=2", docID)
	if got := eval[string](t, ctx, `(() => { const a = document.querySelector('.turn a.cite'); return a ? a.textContent + ' ' + new URL(a.href).pathname + new URL(a.href).hash : ''; })()`); got != "[1] "+want {
		t.Fatalf("citation link %q, want [1] %s", got, want)
	}
	if label := eval[string](t, ctx, `document.querySelector('.turn a.cite').getAttribute('aria-label')`); !strings.Contains(label, "Riverside district events") {
		t.Errorf("citation link label %q does not name the source", label)
	}
	step(t, ctx, "click the citation", chromedp.Click(chromedp.CSS(".turn a.cite")))
	waitFor(t, ctx, "the document panel", `!document.getElementById('doc-panel').hidden`, 10*time.Second)
	if got := panelURL(t, ctx); got != want {
		t.Errorf("panel shows %q, want %q", got, want)
	}
	step(t, ctx, "close the panel", chromedp.Click(chromedp.CSS("#doc-panel-close")))
	waitFor(t, ctx, "the panel to close", `document.getElementById('doc-panel').hidden && document.activeElement.classList.contains('cite')`, 5*time.Second)
	checkAccessibility(t, ctx, dir, "chat-citations")
}

// Stop ends a generation that would not end by itself.
func testStop(t *testing.T, ctx context.Context, userName string) {
	s := newScripted()
	s.hold = true
	b := setup(t, setupOpts{auth: e2eAuth(userName), answerer: s})
	step(t, ctx, "open the endless assistant", chromedp.Navigate(b.url+"/"))
	waitFor(t, ctx, "the page script", `document.body.dataset.ready === 'true'`, 20*time.Second)
	step(t, ctx, "ask", chromedp.SendKeys(chromedp.CSS("#question"), "Was kostet der Ausweis?"+kb.Enter))
	waitFor(t, ctx, "the first tokens and the stop button", `document.querySelector('.turn .answer-text').textContent.includes('90 Euro') && !document.getElementById('stop').hidden && document.getElementById('send').disabled`, 20*time.Second)
	step(t, ctx, "stop", chromedp.Click(chromedp.CSS("#stop")))
	waitFor(t, ctx, "the stopped answer", `document.getElementById('stop').hidden && !document.getElementById('send').disabled && !document.querySelector('.turn').hasAttribute('aria-busy')`, 10*time.Second)
	if s := eval[string](t, ctx, `document.querySelector('.turn .answer-state').textContent`); s != "Generation stopped." {
		t.Errorf("state after stop %q", s)
	}
}

// Without Ollama the page says that it only searches.
func testSearchBanner(t *testing.T, ctx context.Context, userName string) {
	b := setup(t, setupOpts{auth: e2eAuth(userName), ollamaDead: true})
	step(t, ctx, "open the degraded assistant", chromedp.Navigate(b.url+"/"))
	waitFor(t, ctx, "the search-mode banner", `!document.getElementById('mode-banner').hidden && document.getElementById('mode-banner').dataset.mode === 'search'`, 30*time.Second)
	if s := eval[string](t, ctx, `document.getElementById('mode-banner').textContent`); !strings.Contains(s, "Search mode") {
		t.Errorf("banner %q", s)
	}
}

// The documents page: an upload becomes a listed document, and the page
// is accessible with jobs and documents shown.
func testDocumentsPage(t *testing.T, ctx context.Context, dir, userName string) {
	lib := setupLibrary(t, 0, 0, e2eAuth(userName))
	lib.startWorker()
	url := lib.url
	step(t, ctx, "open the documents page", chromedp.Navigate(url+"/documents"))
	waitFor(t, ctx, "the page script", `document.body.dataset.ready === 'true'`, 20*time.Second)
	if eval[bool](t, ctx, `!document.getElementById('docs-error').hidden`) {
		t.Fatalf("the library did not load: %s", eval[string](t, ctx, `document.getElementById('docs-error').textContent`))
	}

	upload := filepath.Join(t.TempDir(), "quillbridge-ferry.pdf")
	d := pdfmake.New("Quillbridge ferry timetable")
	d.Heading("Quillbridge ferry")
	d.Paragraph("The Quillbridge ferry crosses the river every twenty minutes between six in the morning and midnight.")
	var buf bytes.Buffer
	if _, err := d.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(upload, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	collection := newCollection()
	step(t, ctx, "fill in the upload form",
		chromedp.SendKeys(chromedp.CSS("#upload-collection"), collection),
		chromedp.SendKeys(chromedp.CSS("#upload-groups"), "staff"),
		chromedp.SetUploadFiles(chromedp.CSS("#upload-files"), []string{upload}),
		chromedp.Click(chromedp.CSS("#upload-form button[type=submit]")))
	const job = `[...document.querySelectorAll('#jobs-body tr')].find(r => r.textContent.includes('quillbridge-ferry.pdf'))`
	waitFor(t, ctx, "the upload job to be listed", job, 30*time.Second)
	waitFor(t, ctx, "the upload to be done", `['done', 'failed'].includes((`+job+` || {dataset: {}}).dataset.status)`, 3*time.Minute)
	if st := eval[string](t, ctx, job+`.innerText`); !strings.Contains(st, "Done") {
		t.Fatalf("upload job: %q", st)
	}
	row := `[...document.querySelectorAll('#docs-body tr')].find(r => r.textContent.includes('Quillbridge ferry timetable') && r.textContent.includes('` + collection + `'))`
	waitFor(t, ctx, "the document in the library", row, 10*time.Second)
	t.Logf("library row: %q", eval[string](t, ctx, row+`.innerText`))

	// Its version history opens in a dialog that Escape closes.
	step(t, ctx, "open the version history", chromedp.Evaluate[chromedp.Void](row+`.querySelector('button').click()`))
	waitFor(t, ctx, "the version dialog", `document.getElementById('versions-dialog').open && document.querySelectorAll('#versions-body tr').length === 1`, 10*time.Second)
	checkAccessibility(t, ctx, dir, "documents-versions")
	step(t, ctx, "press Escape", chromedp.KeyEvent(kb.Escape))
	waitFor(t, ctx, "the dialog to close", `!document.getElementById('versions-dialog').open`, 5*time.Second)

	checkAccessibility(t, ctx, dir, "documents")
	screenshot(t, ctx, dir, "documents.png")

	// Deleting asks first, then the document is gone.
	step(t, ctx, "delete", chromedp.Evaluate[chromedp.Void](row+`.querySelectorAll('button')[2].click()`))
	waitFor(t, ctx, "the confirmation", `document.getElementById('confirm-dialog').open`, 5*time.Second)
	step(t, ctx, "confirm", chromedp.Click(chromedp.CSS("#confirm-ok")))
	waitFor(t, ctx, "the document to go", `!(`+row+`)`, 10*time.Second)
}
