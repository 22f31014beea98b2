package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/civitas-eu/civitas/internal/dbtest"
	"github.com/civitas-eu/civitas/internal/store"
)

// TestBulkLoadBuildsTheIndexOnce: a bulk load into a fresh model's
// partition drops its HNSW index, the vectors are written without it and
// are found meanwhile (by a scan), and Finish builds the index, which the
// vector search then uses; a second Finish does nothing.
func TestBulkLoadBuildsTheIndexOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tx := dbtest.Tx(t)
	st, err := store.New(tx)
	if err != nil {
		t.Fatal(err)
	}
	m, err := st.RegisterEmbeddingModel(ctx, "bulk-embed", 16, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.EnsureCollection(ctx, "bulk"); err != nil {
		t.Fatal(err)
	}
	index := fmt.Sprintf("embeddings_hnsw_%d", m.ID)
	indexExists := func() bool {
		t.Helper()
		var ok bool
		if err := tx.QueryRow(ctx, "SELECT to_regclass(format('%I.%I', current_schema(), $1::text)) IS NOT NULL", index).Scan(&ok); err != nil {
			t.Fatal(err)
		}
		return ok
	}

	load, err := st.BeginBulkLoad(ctx, m)
	if err != nil {
		t.Fatal(err)
	}
	if !load.Dropped || indexExists() {
		t.Fatalf("BeginBulkLoad on an empty partition: Dropped = %v, index exists = %v; want the index dropped", load.Dropped, indexExists())
	}
	nvs := make([]store.NewVersion, 3)
	for i := range nvs {
		nvs[i] = store.NewVersion{Model: m,
			Document: store.Document{Collection: "bulk", SourceURI: fmt.Sprintf("/bulk/%d.txt", i), MediaType: "text/plain", ContentHash: make([]byte, 32)},
			Chunks:   []store.Chunk{{Content: fmt.Sprintf("Abschnitt %d", i), TokenCount: 2}},
			Vectors:  [][]float32{unit(16, i, 0.1)}}
	}
	if _, err := st.WriteVersions(ctx, nvs); err != nil {
		t.Fatal(err)
	}
	q := store.RetrieveQuery{Vector: unit(16, 2, 0.1), K: 1}
	if hits, err := st.RetrieveVector(ctx, m, q); err != nil || len(hits) != 1 || !strings.Contains(hits[0].Content, "Abschnitt 2") {
		t.Fatalf("search during the bulk load: %+v, %v; want Abschnitt 2", hits, err)
	}

	if err := load.Finish(ctx); err != nil {
		t.Fatal(err)
	}
	if !indexExists() {
		t.Fatal("Finish did not build the index")
	}
	if _, err := tx.Exec(ctx, "SET LOCAL enable_sort = off"); err != nil {
		t.Fatal(err)
	}
	if plan, err := st.ExplainRetrieve(ctx, "vector", m, q); err != nil || !strings.Contains(plan, index) {
		t.Fatalf("after Finish the search does not use %s (%v):\n%s", index, err, plan)
	}
	if err := load.Finish(ctx); err != nil {
		t.Fatalf("a second Finish: %v", err)
	}
}

// TestWriteVersionsAllOrNothing: several versions in one transaction are
// all stored, or, when one of them conflicts, none, and the error names
// the one that did.
func TestWriteVersionsAllOrNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, err := store.New(dbtest.Tx(t))
	if err != nil {
		t.Fatal(err)
	}
	m, err := st.RegisterEmbeddingModel(ctx, "batch-embed", 16, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.EnsureCollection(ctx, "batch"); err != nil {
		t.Fatal(err)
	}
	version := func(src string) store.NewVersion {
		return store.NewVersion{Model: m,
			Document: store.Document{Collection: "batch", SourceURI: src, MediaType: "text/plain", ContentHash: make([]byte, 32)},
			Chunks:   []store.Chunk{{Content: "Text von " + src, TokenCount: 3}},
			Vectors:  [][]float32{unit(16, 1, 0.1)}}
	}
	docs, err := st.WriteVersions(ctx, []store.NewVersion{version("/a"), version("/b")})
	if err != nil || len(docs) != 2 || docs[0].ID == 0 || docs[1].ID == docs[0].ID {
		t.Fatalf("WriteVersions(a, b) = %+v, %v", docs, err)
	}
	// /b's version 1 exists already: the batch fails on it, and /c, written
	// before it in the same transaction, is not stored either.
	_, err = st.WriteVersions(ctx, []store.NewVersion{version("/c"), version("/b")})
	if !errors.Is(err, store.ErrConflict) || !strings.Contains(err.Error(), "/b") {
		t.Fatalf("WriteVersions(c, b again) error = %v, want ErrConflict naming /b", err)
	}
	coll, err := st.EnsureCollection(ctx, "batch")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Current(ctx, coll, "/c"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("/c after the failed batch: %v, want ErrNotFound", err)
	}
}
