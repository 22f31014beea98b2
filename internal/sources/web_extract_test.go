package sources_test

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/civitas-eu/civitas/internal/extract"
	"github.com/civitas-eu/civitas/internal/sources"
)

// TestWebEntriesExtractAsMainContent: what the web kind hands the
// pipeline extracts as it should: a page by its .html name to its main
// content without the navigation around it, a linked PDF to its text.
func TestWebEntriesExtractAsMainContent(t *testing.T) {
	site := newTestSite(t)
	w := newWeb(t, sources.WebConfig{URL: site.srv.URL + "/"})
	entries, err := w.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{site.srv.URL + "/": "Willkommen.", site.srv.URL + "/docs/haushalt.pdf": "812 Millionen Euro"}
	for _, e := range entries {
		rc, err := w.Open(context.Background(), e)
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		doc, err := extract.Bytes(context.Background(), e.Name, data, extract.Options{})
		if err != nil {
			t.Fatalf("extract %s (%s): %v", e.Key, e.Name, err)
		}
		var text strings.Builder
		for _, b := range doc.Blocks {
			text.WriteString(b.Text + "\n")
		}
		if !strings.Contains(text.String(), want[e.Key]) {
			t.Errorf("%s: text %q lacks %q", e.Name, text.String(), want[e.Key])
		}
		if strings.HasSuffix(e.Name, ".html") && strings.Contains(text.String(), "Start") {
			t.Errorf("%s: the navigation was extracted with the content: %q", e.Name, text.String())
		}
	}
	if len(entries) != len(want) {
		t.Errorf("%d entries, want %d", len(entries), len(want))
	}
}
