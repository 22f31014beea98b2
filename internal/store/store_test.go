package store_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/civitas-eu/civitas/internal/dbtest"
	"github.com/civitas-eu/civitas/internal/store"
)

func contains(s, sub string) bool { return strings.Contains(s, sub) }

func intp(v int) *int { return &v }

// unit returns a unit vector of dims dimensions pointing mostly along axis,
// so that tests know which vectors are neighbours.
func unit(dims, axis int, tilt float32) []float32 {
	v := make([]float32, dims)
	v[axis%dims] = 1
	v[(axis+1)%dims] = tilt
	var n float32
	for _, x := range v {
		n += x * x
	}
	n = float32(math.Sqrt(float64(n)))
	for i := range v {
		v[i] /= n
	}
	return v
}

type fixture struct {
	st    *store.Store
	model store.EmbeddingModel
	doc   store.Document
	ids   []int64
}

// setup stores one German document with three chunks and their vectors.
func setup(t *testing.T) fixture {
	t.Helper()
	ctx := context.Background()
	st, err := store.New(dbtest.Tx(t))
	if err != nil {
		t.Fatal(err)
	}
	m, err := st.RegisterEmbeddingModel(ctx, "test-embed", 16, "sha256:abc")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte("parkausweis"))
	doc, ids, err := st.InsertDocument(ctx, store.Document{
		Collection: "verkehr", SourceURI: "file:///docs/parkausweis.pdf", Title: "Bewohnerparken",
		MediaType: "application/pdf", Language: "de", TSConfig: "german",
		ContentHash: sum[:], SizeBytes: 1234, PageCount: intp(3),
		AccessGroups: []string{"verkehr"}, Metadata: map[string]any{"author": "Ordnungsamt"},
	}, []store.Chunk{
		{PageStart: intp(1), PageEnd: intp(1), HeadingPath: []string{"§1 Geltungsbereich"}, Content: "Diese Satzung gilt für das Bewohnerparken in der Innenstadt.", TokenCount: 12},
		{PageStart: intp(2), PageEnd: intp(2), HeadingPath: []string{"§3 Gebühren", "Höhe"}, Content: "Die Gebühr für einen Bewohnerparkausweis beträgt 30 Euro jährlich.", TokenCount: 14},
		{PageStart: intp(2), PageEnd: intp(3), Content: "Anträge werden im Bürgerbüro gestellt.", TokenCount: 8},
	})
	if err != nil {
		t.Fatalf("InsertDocument: %v", err)
	}
	vecs := [][]float32{unit(16, 0, 0.1), unit(16, 5, 0.1), unit(16, 10, 0.1)}
	if err := st.UpsertEmbeddings(ctx, m, ids, vecs); err != nil {
		t.Fatalf("UpsertEmbeddings: %v", err)
	}
	return fixture{st: st, model: m, doc: doc, ids: ids}
}

func TestDocumentRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := setup(t)
	got, err := f.st.GetDocument(ctx, f.doc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Collection != "verkehr" || got.TSConfig != "german" || got.Language != "de" || *got.PageCount != 3 ||
		!bytes.Equal(got.ContentHash, f.doc.ContentHash) || got.Version != 1 || got.SupersededBy != nil ||
		len(got.AccessGroups) != 1 || got.AccessGroups[0] != "verkehr" || got.Metadata["author"] != "Ordnungsamt" {
		t.Errorf("document read back differs: %+v", got)
	}
	chunks, err := f.st.Chunks(ctx, f.doc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(chunks) != 3 {
		t.Fatalf("got %d chunks, want 3", len(chunks))
	}
	c := chunks[1]
	if c.ID != f.ids[1] || c.Ordinal != 1 || *c.PageStart != 2 || *c.PageEnd != 2 ||
		strings.Join(c.HeadingPath, " > ") != "§3 Gebühren > Höhe" || !strings.Contains(c.Content, "30 Euro") {
		t.Errorf("chunk 1 read back differs: %+v", c)
	}
	if chunks[2].HeadingPath == nil || len(chunks[2].HeadingPath) != 0 {
		t.Errorf("chunk without heading has heading path %q", chunks[2].HeadingPath)
	}
	if _, err := f.st.GetDocument(ctx, f.doc.ID+1000); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetDocument(missing) error = %v, want ErrNotFound", err)
	}
}

// TestVectorSearchFindsNearest: vector retrieval finds the nearest chunks
// a caller may see, and none of a document outside the caller's groups
// (TestRetrieveUsesHNSWIndex checks the index is used).
func TestVectorSearchFindsNearest(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := setup(t)
	q := store.RetrieveQuery{RetrieveFilter: store.RetrieveFilter{Groups: []string{"verkehr"}}, Vector: unit(16, 5, 0.3), K: 2}
	hits, err := f.st.RetrieveVector(ctx, f.model, q)
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 2 || hits[0].ChunkID != f.ids[1] {
		t.Fatalf("nearest hits = %+v, want chunk %d first", hits, f.ids[1])
	}
	if hits[0].Title != "Bewohnerparken" || *hits[0].PageStart != 2 || hits[0].Score <= hits[1].Score {
		t.Errorf("hit fields or order wrong: %+v", hits)
	}
	outsider := q
	outsider.Groups = nil
	if hits, err := f.st.RetrieveVector(ctx, f.model, outsider); err != nil || len(hits) != 0 {
		t.Errorf("a caller outside the document's group: %d hits (%v), want none", len(hits), err)
	}
	wrong := q
	wrong.Vector = make([]float32, 8)
	if _, err := f.st.RetrieveVector(ctx, f.model, wrong); !errors.Is(err, store.ErrDimensionMismatch) {
		t.Errorf("query of the wrong dimension: error = %v, want ErrDimensionMismatch", err)
	}
}

func TestTextSearchUsesLanguageStemming(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := setup(t)
	tests := []struct {
		query string
		want  int64 // chunk id expected first; 0 for no hit
	}{
		{"Bewohnerparkausweises", 1}, // German stemming: genitive matches
		{"Antrag", 2},                // Anträge stems to antrag
		{"Hundesteuer", -1},
	}
	for _, tt := range tests {
		hits, err := f.st.RetrieveLexical(ctx, store.RetrieveQuery{RetrieveFilter: store.RetrieveFilter{Groups: []string{"verkehr"}},
			Text: tt.query, QuestionConfig: "german", K: 5})
		if err != nil {
			t.Fatalf("RetrieveLexical(%q): %v", tt.query, err)
		}
		if tt.want < 0 {
			if len(hits) != 0 {
				t.Errorf("RetrieveLexical(%q) = %d hits, want none", tt.query, len(hits))
			}
			continue
		}
		if len(hits) == 0 || hits[0].ChunkID != f.ids[tt.want] {
			t.Errorf("RetrieveLexical(%q) = %+v, want chunk %d first", tt.query, hits, f.ids[tt.want])
		}
	}
}

func TestDeleteDocumentCascades(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := setup(t)
	docs, chunks, embs, err := f.st.Counts(ctx)
	if err != nil || docs != 1 || chunks != 3 || embs != 3 {
		t.Fatalf("before delete: %d docs, %d chunks, %d embeddings (err %v), want 1, 3, 3", docs, chunks, embs, err)
	}
	if _, err := f.st.DeleteDocument(ctx, f.doc.ID); err != nil {
		t.Fatal(err)
	}
	docs, chunks, embs, err = f.st.Counts(ctx)
	if err != nil || docs+chunks+embs != 0 {
		t.Errorf("after delete: %d docs, %d chunks, %d embeddings (err %v), want none", docs, chunks, embs, err)
	}
	if _, err := f.st.DeleteDocument(ctx, f.doc.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("second delete: error = %v, want ErrNotFound", err)
	}
}

func TestTwoEmbeddingModelsCoexist(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := setup(t)
	small, err := f.st.RegisterEmbeddingModel(ctx, "small-embed", 8, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.st.UpsertEmbeddings(ctx, small, f.ids[:1], [][]float32{unit(8, 3, 0)}); err != nil {
		t.Fatal(err)
	}
	hits, err := f.st.RetrieveVector(ctx, small, store.RetrieveQuery{RetrieveFilter: store.RetrieveFilter{Groups: []string{"verkehr"}},
		Vector: unit(8, 3, 0), K: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 1 || hits[0].ChunkID != f.ids[0] {
		t.Errorf("small model search = %+v, want only chunk %d (no vectors of the other model)", hits, f.ids[0])
	}
	if _, err := f.st.RegisterEmbeddingModel(ctx, "small-embed", 8, ""); err != nil {
		t.Errorf("registering again: %v", err)
	}
	if _, err := f.st.RegisterEmbeddingModel(ctx, "small-embed", 16, ""); !errors.Is(err, store.ErrDimensionMismatch) {
		t.Errorf("re-register with other dims: error = %v, want ErrDimensionMismatch", err)
	}
	if err := f.st.UpsertEmbeddings(ctx, small, f.ids[1:2], [][]float32{unit(16, 3, 0)}); !errors.Is(err, store.ErrDimensionMismatch) {
		t.Errorf("vector of wrong size: error = %v, want ErrDimensionMismatch", err)
	}
}
