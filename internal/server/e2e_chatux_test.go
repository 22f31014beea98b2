package server_test

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/civitas-eu/civitas/internal/answer"
	"github.com/civitas-eu/civitas/internal/dbtest"
)

// pageWeightTarget is the most the chat page may transfer on its first
// load, gzip-compressed, without the PDF viewer (issue 19).
const pageWeightTarget = 150 << 10

// uxDOCX is a small Word file of two sections; the second is cited, so
// only it may be marked.
func uxDOCX(t *testing.T) []byte {
	t.Helper()
	const ns = `xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"`
	para := func(style, s string) string {
		p := "<w:p>"
		if style != "" {
			p += `<w:pPr><w:pStyle w:val="` + style + `"/></w:pPr>`
		}
		return p + `<w:r><w:t xml:space="preserve">` + s + `</w:t></w:r></w:p>`
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range []struct{ name, body string }{
		{"[Content_Types].xml", `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`},
		{"word/styles.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:styles ` + ns + `><w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/></w:style></w:styles>`},
		{"word/document.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document ` + ns + `><w:body>` +
			para("Heading1", "Street cleaning") +
			para("", "Streets in the old town are swept every Tuesday night by the municipal service.") +
			para("Heading1", "Winter service") +
			para("", "Pavements in front of a house must be cleared of snow by seven in the morning on working days.") +
			`</w:body></w:document>`},
	} {
		w, err := zw.Create(f.name)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, f.body)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// uxSource finds the passage of collection's document named file that
// contains text, as a source of an answer.
func uxSource(t *testing.T, collection, file, text string, n int) answer.Source {
	t.Helper()
	s := answer.Source{N: n}
	var pages *int
	err := dbtest.Migrated(t).QueryRow(context.Background(), `SELECT k.id, d.id, d.version, d.title, d.media_type, k.page_start
		FROM chunks k JOIN documents d ON d.id = k.document_id JOIN collections c ON c.id = d.collection_id
		WHERE c.name = $1 AND d.source_uri LIKE '%' || $2 AND k.content LIKE '%' || $3 || '%' ORDER BY k.ordinal LIMIT 1`,
		collection, file, text).Scan(&s.ChunkID, &s.DocumentID, &s.DocumentVersion, &s.Title, &s.MediaType, &pages)
	if err != nil {
		t.Fatalf("passage %q of %s: %v", text, file, err)
	}
	if pages != nil {
		s.PageStart, s.PageEnd = *pages, *pages
	}
	s.Snippet = text
	return s
}

// uxAnswer is the Markdown a real model writes: a heading, emphasis, a
// table, a list, a link and citations of a PDF and a DOCX passage.
const uxAnswer = "## Festival and winter service\n\n" +
	"The **lantern festival** is on the *second Saturday of October* [1]; pavements are cleared by seven [2].\n\n" +
	"| Duty | When |\n|:---|---:|\n| Clear the pavement | 7:00 |\n| Launch lanterns | dusk |\n\n" +
	"- bring a lantern\n- wear **warm** clothes\n- check `quillbridge.example`\n\n" +
	"More at [the town site](https://quillbridge.example/festival).\n"

// markdownAnswerer streams uxAnswer in small pieces, so the page renders
// half-written tables and emphasis on the way.
func markdownAnswerer(sources []answer.Source) *scriptedAnswerer {
	return &scriptedAnswerer{AnswerFunc: func(ctx context.Context, req answer.Request, emit func(answer.Event) error) (answer.Done, error) {
		if err := emit(answer.Event{Type: answer.EventSources, Sources: sources}); err != nil {
			return answer.Done{}, err
		}
		for i := 0; i < len(uxAnswer); i += 7 {
			if err := emit(answer.Event{Type: answer.EventToken, Token: uxAnswer[i:min(i+7, len(uxAnswer))]}); err != nil {
				return answer.Done{}, err
			}
		}
		var cites []answer.Citation
		for _, s := range sources {
			cites = append(cites, answer.Citation{N: s.N, ChunkID: s.ChunkID, DocumentID: s.DocumentID, PageStart: s.PageStart, PageEnd: s.PageEnd, Title: s.Title, Snippet: s.Snippet})
		}
		d := answer.Done{Answer: uxAnswer, Mode: answer.ModeAnswer, RetrievalMode: "hybrid", ChatModel: "scripted", Language: "en", Citations: cites}
		return d, emit(answer.Event{Type: answer.EventDone, Done: &d})
	}}
}

// The chat page's comfort and history features in a real browser: a
// streamed Markdown answer shows as a table and a list (never raw
// markers, never a loaded image or followed link); citations open the PDF
// and the DOCX with the passage marked and focused; the first load stays
// under the weight target with the PDF viewer loaded only on use; rename,
// export and delete of the conversation; dark mode; axe-core in both
// colour schemes.
func TestBrowserChatUX(t *testing.T) {
	ctx := browser(t)
	dir := artifacts(t)
	userName := "ux-" + newCollection()
	docs := setup(t, setupOpts{auth: e2eAuth(userName)})
	docs.ingestFiles(t, []string{"staff"}, map[string]string{"glimmerbach.pdf": string(festivalPDF(t)), "winter.docx": string(uxDOCX(t))})
	sources := []answer.Source{
		uxSource(t, docs.collection, "glimmerbach.pdf", "second Saturday of October", 1),
		uxSource(t, docs.collection, "winter.docx", "cleared of snow", 2),
	}
	b := setup(t, setupOpts{auth: e2eAuth(userName), answerer: markdownAnswerer(sources)})

	step(t, ctx, "open the chat page", chromedp.Navigate(b.url+"/"))
	waitFor(t, ctx, "the page script", `document.body.dataset.ready === 'true'`, 20*time.Second)
	step(t, ctx, "watch for CSP violations", chromedp.Evaluate[chromedp.Void](
		`window.cspViolations = []; document.addEventListener('securitypolicyviolation', (e) => window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI))`))
	checkPageWeight(t, ctx, b.url)

	t.Run("markdown", func(t *testing.T) { testMarkdownAnswer(t, ctx, dir) })
	t.Run("passages", func(t *testing.T) { testPassages(t, ctx, dir) })
	t.Run("history", func(t *testing.T) { testHistory(t, ctx, dir, b, userName, docs.collection) })
}

// checkPageWeight sums what the first load of the chat page fetched, as
// transferred and as gzip would send it, and logs it against the target.
func checkPageWeight(t *testing.T, ctx context.Context, base string) {
	t.Helper()
	urls := eval[[]string](t, ctx, `[location.href, ...performance.getEntriesByType('resource').map((e) => e.name)]`)
	transferred := eval[int](t, ctx, `performance.getEntriesByType('navigation')[0].transferSize + performance.getEntriesByType('resource').reduce((n, e) => n + e.transferSize, 0)`)
	gz := 0
	for _, u := range urls {
		if strings.Contains(u, "/pdfjs/") || strings.Contains(u, "pdf-view") {
			t.Errorf("the first load fetched the PDF viewer: %s", u)
		}
		if !strings.HasPrefix(u, base) || strings.Contains(u, "/api/") {
			continue // API calls are data, not page weight
		}
		resp, body := request(t, "GET", u, "", nil, nil, nil)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %d", u, resp.StatusCode)
		}
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.DefaultCompression)
		zw.Write(body)
		zw.Close()
		gz += buf.Len()
	}
	t.Logf("page weight: first load of the chat page %d files, %.1f KB transferred (uncompressed: the server does not compress), %.1f KB gzip; target %d KB gzip without the PDF viewer; met: %v",
		len(urls), float64(transferred)/1024, float64(gz)/1024, pageWeightTarget>>10, gz <= pageWeightTarget)
	if gz > pageWeightTarget {
		t.Errorf("the chat page's first load is %d bytes gzip, over the %d target", gz, pageWeightTarget)
	}
}

func testMarkdownAnswer(t *testing.T, ctx context.Context, dir string) {
	askInBrowser(t, ctx, "When is the festival and when must pavements be cleared?")
	const ans = `document.querySelector('.turn:last-child .answer-text')`
	got := eval[map[string]any](t, ctx, `(() => { const a = `+ans+`; return {
		headers: [...a.querySelectorAll('table thead th')].map((th) => th.textContent).join('|'),
		cells: [...a.querySelectorAll('table tbody td')].map((td) => td.textContent).join('|'),
		items: [...a.querySelectorAll('ul > li')].map((li) => li.textContent).join('|'),
		strong: a.querySelectorAll('strong').length, em: a.querySelectorAll('em').length, code: a.querySelectorAll('code').length,
		heading: (a.querySelector('h4') || {}).textContent || '',
		cites: a.querySelectorAll('a.cite').length, imgs: a.querySelectorAll('img').length,
		links: a.querySelectorAll('a[href^="http"]').length, linkButton: (a.querySelector('button.md-link') || {dataset: {}}).dataset.href || '',
		raw: /\*\*|\|/.test(a.textContent) }; })()`)
	want := map[string]any{"headers": "Duty|When", "cells": "Clear the pavement|7:00|Launch lanterns|dusk",
		"items": "bring a lantern|wear warm clothes|check quillbridge.example", "strong": 2.0, "em": 1.0, "code": 1.0,
		"heading": "Festival and winter service", "cites": 2.0, "imgs": 0.0, "links": 0.0,
		"linkButton": "https://quillbridge.example/festival", "raw": false}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("rendered answer: %s = %v, want %v", k, got[k], v)
		}
	}
	// Copy puts the Markdown with its numbered sources on the clipboard.
	md := evalAwait[string](t, ctx, `(async () => { const turn = document.querySelector('.turn:last-child'); let copied = '';
		navigator.clipboard.writeText = async (s) => { copied = s; }; turn.querySelector('.copy-answer').click();
		await new Promise((r) => setTimeout(r, 100)); return copied; })()`)
	if !strings.Contains(md, "| Duty | When |") || !strings.Contains(md, "1. ") || !strings.Contains(md, "winter") {
		t.Errorf("copied answer is not the Markdown with its sources: %q", md)
	}
	screenshot(t, ctx, dir, "chat-markdown.png")
	checkAccessibility(t, ctx, dir, "chat-markdown-light")
}

// openCitation clicks citation n and waits for the passage to be marked
// and focused.
func openCitation(t *testing.T, ctx context.Context, n int) string {
	t.Helper()
	step(t, ctx, fmt.Sprintf("click citation [%d]", n), chromedp.Click(chromedp.CSS(fmt.Sprintf(`.turn:last-child a.cite[data-n="%d"]`, n))))
	waitFor(t, ctx, "the document view", `['ready', 'failed'].includes(document.getElementById('doc-view').dataset.state)`, 60*time.Second)
	if st := eval[string](t, ctx, `document.getElementById('doc-view').dataset.state`); st != "ready" {
		t.Fatalf("citation [%d]: the view failed: %s", n, eval[string](t, ctx, `document.getElementById('doc-view').textContent`))
	}
	waitFor(t, ctx, "the marked passage in focus", `document.activeElement && document.activeElement.id === 'passage-mark'`, 10*time.Second)
	waitFor(t, ctx, "the announcement", `document.getElementById('doc-view-status').textContent.includes('marked')`, 5*time.Second)
	return eval[string](t, ctx, `[...document.querySelectorAll('#doc-view mark.passage-mark')].map((m) => m.textContent).join(' ')`)
}

func closePanel(t *testing.T, ctx context.Context) {
	t.Helper()
	step(t, ctx, "close the panel", chromedp.Click(chromedp.CSS("#doc-panel-close")))
	waitFor(t, ctx, "the panel to close", `document.getElementById('doc-panel').hidden`, 5*time.Second)
}

func testPassages(t *testing.T, ctx context.Context, dir string) {
	if got := openCitation(t, ctx, 2); !strings.Contains(got, "cleared of snow") || strings.Contains(got, "swept") {
		t.Errorf("DOCX: marked %q, want the cited section only", got)
	}
	if s := text(t, ctx, "#doc-view"); !strings.Contains(s, "swept every Tuesday") {
		t.Errorf("DOCX: the view lacks the rest of the document: %q", s)
	}
	if eval[bool](t, ctx, `!document.getElementById('doc-frame').hidden`) {
		t.Error("DOCX: the raw file is framed instead of its text")
	}
	screenshot(t, ctx, dir, "passage-docx.png")
	checkAccessibility(t, ctx, dir, "passage-docx")
	closePanel(t, ctx)

	got := openCitation(t, ctx, 1)
	if !strings.Contains(strings.Join(strings.Fields(got), " "), "second Saturday") {
		t.Errorf("PDF: marked %q, want the cited sentence", got)
	}
	if !eval[bool](t, ctx, `!!document.querySelector('#doc-view .textLayer mark') && !!document.querySelector('#doc-view canvas')`) {
		t.Error("PDF: no page canvas with a marked text layer")
	}
	if p := eval[string](t, ctx, `document.querySelector('#doc-view .pdf-page-label').textContent`); !strings.HasPrefix(p, "Page 2 of 2") {
		t.Errorf("PDF: shows %q first, want page 2", p)
	}
	if v := eval[[]string](t, ctx, `window.cspViolations`); len(v) > 0 {
		t.Errorf("the PDF viewer broke the CSP: %v", v)
	}
	var loaded []string
	raw := eval[string](t, ctx, `JSON.stringify(performance.getEntriesByType('resource').map((e) => e.name).filter((n) => n.includes('pdfjs')))`)
	json.Unmarshal([]byte(raw), &loaded)
	t.Logf("PDF viewer loaded on first use: %v", loaded)
	screenshot(t, ctx, dir, "passage-pdf.png")
	checkAccessibility(t, ctx, dir, "passage-pdf")
	closePanel(t, ctx)
}
