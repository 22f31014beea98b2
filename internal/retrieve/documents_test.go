package retrieve_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"slices"
	"testing"

	"github.com/civitas-eu/civitas/internal/answer"
	"github.com/civitas-eu/civitas/internal/retrieve"
	"github.com/civitas-eu/civitas/internal/store"
)

var _ answer.DocumentSource = retrieve.Documents{}

// TestDocumentsGiveWholeVisibleDocuments: moved out of cmd/assistant
// (issue 20), the answer service's source of whole documents still gives
// every chunk of a document the caller may see, as passages carrying the
// document's title, version, source and the chunk's pages and headings,
// and the store's not-found for a document outside the caller's groups or
// none at all.
func TestDocumentsGiveWholeVisibleDocuments(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t, nil, "")
	page := func(n int) *int { return &n }
	sum := sha256.Sum256([]byte("gebuehren"))
	doc, ids, err := b.st.InsertDocument(ctx, store.Document{
		Collection: "bad-boll", SourceURI: "/docs/gebuehren.pdf", Title: "Gebührensatzung", MediaType: "application/pdf",
		Language: "de", TSConfig: "german", ContentHash: sum[:],
	}, []store.Chunk{
		{Content: "§ 1 Gebühren werden erhoben.", TokenCount: 4, Ordinal: 0, PageStart: page(1), PageEnd: page(1), HeadingPath: []string{"§ 1"}},
		{Content: "§ 2 Die Gebühr beträgt 10 Euro.", TokenCount: 6, Ordinal: 1, PageStart: page(2), PageEnd: page(3), HeadingPath: []string{"§ 2"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	d := retrieve.NewDocuments(b.st)

	ps, err := d.DocumentChunks(ctx, doc.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []retrieve.Passage{
		{ChunkID: ids[0], DocumentID: doc.ID, DocumentVersion: 1, Title: "Gebührensatzung", SourceURI: "/docs/gebuehren.pdf", MediaType: "application/pdf",
			HeadingPath: []string{"§ 1"}, Text: "§ 1 Gebühren werden erhoben.", Ordinal: 0, PageStart: 1, PageEnd: 1},
		{ChunkID: ids[1], DocumentID: doc.ID, DocumentVersion: 1, Title: "Gebührensatzung", SourceURI: "/docs/gebuehren.pdf", MediaType: "application/pdf",
			HeadingPath: []string{"§ 2"}, Text: "§ 2 Die Gebühr beträgt 10 Euro.", Ordinal: 1, PageStart: 2, PageEnd: 3},
	}
	slices.SortFunc(ps, func(a, b retrieve.Passage) int { return a.Ordinal - b.Ordinal })
	if len(ps) != len(want) {
		t.Fatalf("got %d passages, want %d: %+v", len(ps), len(want), ps)
	}
	for i := range want {
		if g, w := ps[i], want[i]; g.ChunkID != w.ChunkID || g.DocumentID != w.DocumentID || g.DocumentVersion != w.DocumentVersion ||
			g.Title != w.Title || g.SourceURI != w.SourceURI || g.MediaType != w.MediaType || !slices.Equal(g.HeadingPath, w.HeadingPath) ||
			g.Text != w.Text || g.Ordinal != w.Ordinal || g.PageStart != w.PageStart || g.PageEnd != w.PageEnd {
			t.Errorf("passage %d = %+v, want %+v", i, g, w)
		}
	}

	tests := []struct {
		name   string
		doc    int64
		groups []string
		want   int // passages; -1: not found
	}{
		{"a restricted document, caller outside its group", b.docs["personalakte"], nil, -1},
		{"a restricted document, caller in another group", b.docs["personalakte"], []string{"bauamt"}, -1},
		{"a restricted document, caller in its group", b.docs["personalakte"], []string{"personal"}, 1},
		{"a public document without pages", b.docs["streupflicht"], nil, 3},
		{"no such document", doc.ID + 1000, []string{"personal"}, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps, err := d.DocumentChunks(ctx, tt.doc, tt.groups)
			if tt.want < 0 {
				if !errors.Is(err, store.ErrNotFound) || ps != nil {
					t.Errorf("got %d passages, %v; want store.ErrNotFound", len(ps), err)
				}
				return
			}
			if err != nil || len(ps) != tt.want {
				t.Errorf("got %d passages, %v; want %d", len(ps), err, tt.want)
			}
			for _, p := range ps {
				if p.PageStart != 0 || p.PageEnd != 0 {
					t.Errorf("passage %d has pages %d-%d, want none", p.Ordinal, p.PageStart, p.PageEnd)
				}
			}
		})
	}
}
