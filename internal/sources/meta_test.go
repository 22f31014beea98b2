package sources_test

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/civitas-eu/civitas/internal/sources"
)

// staticLister serves fixed entries with fixed content.
type staticLister map[string]sources.Entry

func (l staticLister) List(context.Context) ([]sources.Entry, error) {
	var out []sources.Entry
	for _, e := range l {
		out = append(out, e)
	}
	return out, nil
}

func (l staticLister) Open(_ context.Context, e sources.Entry) (io.ReadCloser, error) {
	return io.NopCloser(strings.NewReader("# Antrag\n\nDie Parkgebühren sollen steigen.")), nil
}

// TestEntryMetaReachesDocumentAndCitations: what a source knows about an
// entry (an OParl paper's title, reference and date) becomes the
// document's title, which citations show, and stays in its metadata.
func TestEntryMetaReachesDocumentAndCitations(t *testing.T) {
	b := setup(t)
	l := staticLister{"p1": {Key: "paper/17/file.md", Name: "file.md", Token: "v1",
		Meta: map[string]string{"title": "Parkgebühren", "reference": "DS/2026/17", "date": "2026-11-30", "body": "Rat der Stadt"}}}
	eng := sources.NewEngine(b.st, sources.EngineConfig{Docs: b.docs, Ingester: b.ingester(),
		Kinds:   map[string]sources.Factory{"webdav": func(sources.Config) (sources.Lister, error) { return l, nil }},
		Options: b.engineOptions()}, quiet())
	src := b.add(t, sources.Source{Kind: "webdav", URL: "http://127.0.0.1:1/"})
	run, err := eng.Sync(context.Background(), src.ID, 0)
	if err != nil || run.Added != 1 {
		t.Fatalf("sync: %+v %v", run, err)
	}
	uri := sources.URI(src.Name, "paper/17/file.md")
	if got := b.current(t, src.Collection)[uri]; got != "DS/2026/17 – Parkgebühren (2026-11-30)" {
		t.Fatalf("title %q", got)
	}
	var ref, body string
	if err := b.docs.DB().QueryRow(context.Background(), `SELECT metadata->>'reference', metadata->>'body' FROM documents
		WHERE source_uri = $1`, uri).Scan(&ref, &body); err != nil || ref != "DS/2026/17" || body != "Rat der Stadt" {
		t.Fatalf("metadata: %q %q %v", ref, body, err)
	}
}
