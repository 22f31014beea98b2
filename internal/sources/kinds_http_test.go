package sources_test

import (
	"strings"
	"testing"

	"github.com/civitas-eu/civitas/internal/sources"
)

// TestOParlSourceSyncsWithPaperMetadata: an OParl source added like any
// other syncs the council system's files through the engine, and the
// documents carry the paper's reference and date in their title, which
// citations show; a file without an accessUrl is a failed entry, not a
// failed run.
func TestOParlSourceSyncsWithPaperMetadata(t *testing.T) {
	b := setup(t)
	s := newOParlServer(t)
	src := b.add(t, sources.Source{Kind: "oparl", URL: s.srv.URL + "/oparl/system", Settings: map[string]any{"meetings": true}})
	run := b.sync(t, src)
	if run.Added == 0 || run.Failed == 0 || run.Removed != 0 {
		t.Fatalf("first OParl sync: %+v", run)
	}
	titles := map[string]bool{}
	for _, title := range b.current(t, src.Collection) {
		titles[title] = true
	}
	for _, want := range []string{"2026/0815 – Antrag: Radweg Hauptstraße (2026-03-12)", "2026/0100 – Anfrage Spielplätze (2026-02-02)"} {
		if !titles[want] {
			t.Errorf("no document titled %q; titles %v", want, titles)
		}
	}
	again := b.sync(t, src)
	if again.Added != 0 || again.Updated != 0 || again.Removed != 0 || again.Unchanged != run.Added {
		t.Errorf("re-sync with nothing changed: %+v (first: %+v)", again, run)
	}
}

// TestWebSourceIncompleteListingRemovesNothing: a website synced through
// the engine; entries that fail (a redirect loop, a redirect to a public
// address, a document answering 503) are reported and keep what the
// collection has; when a page answers 500 the listing is incomplete, the
// run says so and nothing is removed.
func TestWebSourceIncompleteListingRemovesNothing(t *testing.T) {
	b := setup(t)
	site := newTestSite(t)
	src := b.add(t, sources.Source{Kind: "web", URL: site.srv.URL + "/", Settings: map[string]any{"max_depth": 3, "timeout": "20s"}})
	first := b.sync(t, src)
	if first.Added == 0 || first.Failed == 0 || first.Removed != 0 {
		t.Fatalf("first web sync: %+v", first)
	}
	before := b.current(t, src.Collection)
	site.broken.Store(true)
	second := b.sync(t, src)
	if !strings.Contains(second.Error, "incomplete") || second.Removed != 0 {
		t.Fatalf("sync with a page answering 500: %+v", second)
	}
	if after := b.current(t, src.Collection); len(after) != len(before) {
		t.Errorf("an incomplete listing changed the collection: %d documents, had %d", len(after), len(before))
	}
}

// TestWebSourceRefusesUnknownSettings: a typo in a setting is refused
// when the source is added, naming it, instead of being a silently
// ignored limit.
func TestWebSourceRefusesUnknownSettings(t *testing.T) {
	b := setup(t)
	err := b.engine.Validate(t.Context(), sources.Source{Name: "w", Kind: "web", URL: "http://127.0.0.1:1/", Collection: "c",
		Settings: map[string]any{"max_deph": 2}})
	if err == nil || !strings.Contains(err.Error(), "max_deph") {
		t.Fatalf("Validate with a misspelt setting: %v", err)
	}
}
