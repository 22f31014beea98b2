package server_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/civitas-eu/civitas/internal/auth"
	"github.com/civitas-eu/civitas/internal/dbtest"
	"github.com/civitas-eu/civitas/internal/server"
	"github.com/civitas-eu/civitas/internal/sources"
	"github.com/civitas-eu/civitas/internal/store"
)

// TestBrowserSourcesSection: a knowledge manager adds a WebDAV source with
// the documents page's form, sees it listed (kind, collection, "on
// demand" or its next run), syncs it now (announced to screen readers),
// and axe-core finds nothing on the page. The name is shown as text: a
// name that looks like markup stays text.
func TestBrowserSourcesSection(t *testing.T) {
	ctx := browser(t)
	dir := artifacts(t)
	pool := dbtest.Migrated(t)
	st, err := sources.NewStore(pool)
	if err != nil {
		t.Fatal(err)
	}
	docs, err := store.New(pool)
	if err != nil {
		t.Fatal(err)
	}
	svc := &server.SourcesService{Engine: sources.NewEngine(st, sources.EngineConfig{Docs: docs}, nil),
		Enqueue: func(context.Context, int64, string) (int64, error) { return 1, nil }}
	b := setup(t, setupOpts{sources: svc, auth: auth.Config{DevUser: "kim-" + newCollection(), DevGroups: []string{auth.GroupKnowledgeManager}}})
	name := dbtest.UniqueName("ui-")
	removeSource(t, b, name)

	openPage(t, ctx, b.url+"/documents")
	waitFor(t, ctx, "the kinds", `document.getElementById('source-kind').options.length > 0`, 10*time.Second)
	step(t, ctx, "fill in the source form",
		chromedp.SendKeys(chromedp.CSS("#source-name"), name),
		chromedp.SetValue(chromedp.CSS("#source-kind"), "webdav"),
		chromedp.SendKeys(chromedp.CSS("#source-url"), "http://127.0.0.1:9/dav/"),
		chromedp.SendKeys(chromedp.CSS("#source-collection"), b.collection),
		chromedp.Click(chromedp.CSS("#source-form button[type=submit]")))
	row := fmt.Sprintf(`[...document.querySelectorAll('#sources-body tr')].find(r => r.cells[0].textContent === %q)`, name)
	waitFor(t, ctx, "the new source in the list", "!!"+row, 10*time.Second)
	if s := eval[string](t, ctx, row+`.innerText`); !strings.Contains(s, "webdav") || !strings.Contains(s, b.collection) || !strings.Contains(s, "On demand") {
		t.Errorf("source row %q: want kind, collection and 'On demand'", s)
	}
	step(t, ctx, "sync now", chromedp.Click(chromedp.CSS(fmt.Sprintf(`#sources-body button[aria-label="Sync now: %s"]`, name))))
	waitFor(t, ctx, "the announcement", `document.getElementById('sources-status').textContent.includes('queued')`, 10*time.Second)
	checkAccessibility(t, ctx, dir, "documents-sources")
	screenshot(t, ctx, dir, "documents-sources.png")
}
