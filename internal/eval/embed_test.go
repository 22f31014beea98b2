package eval_test

import (
	"context"
	"crypto/sha256"
	"testing"

	"github.com/civitas-eu/civitas/internal/dbtest"
	"github.com/civitas-eu/civitas/internal/eval"
	"github.com/civitas-eu/civitas/internal/ollama/ollamatest"
	"github.com/civitas-eu/civitas/internal/store"
)

// TestEmbedMissingEmbedsOnlyTheEvaluatedCollections: `eval --embed-model`
// gives the evaluated collection's chunks vectors of the candidate, leaves
// other collections and the active model alone, and a second run has
// nothing to do.
func TestEmbedMissingEmbedsOnlyTheEvaluatedCollections(t *testing.T) {
	ctx := context.Background()
	tx := dbtest.Tx(t)
	st, err := store.New(tx)
	if err != nil {
		t.Fatal(err)
	}
	llm := ollamatest.Client(t)
	model := ollamatest.Model(t, llm, ollamatest.RandomFile)
	for _, c := range []string{"evaluated", "other"} {
		sum := sha256.Sum256([]byte(c))
		if _, _, err := st.InsertDocument(ctx, store.Document{
			Collection: c, SourceURI: "/docs/" + c + ".md", Title: c, MediaType: "text/markdown",
			Language: "de", TSConfig: "german", ContentHash: sum[:],
		}, []store.Chunk{{Content: "Die Hundesteuer beträgt 165 Euro.", TokenCount: 5}, {Content: "Gehwege sind zu räumen.", TokenCount: 4}}); err != nil {
			t.Fatal(err)
		}
	}
	m, err := st.RegisterEmbeddingModel(ctx, model, 8, "")
	if err != nil {
		t.Fatal(err)
	}
	for run, want := range []int64{2, 0} {
		n, err := eval.EmbedMissing(ctx, st, llm, m, []string{"evaluated"})
		if err != nil || n != want {
			t.Fatalf("run %d: embedded %d, %v; want %d", run+1, n, err, want)
		}
	}
	perCollection := map[string]int64{}
	rows, err := tx.Query(ctx, `SELECT col.name, count(e.chunk_id) FROM collections col
		JOIN documents d ON d.collection_id = col.id JOIN chunks c ON c.document_id = d.id
		LEFT JOIN embeddings e ON e.chunk_id = c.id AND e.model_id = $1 GROUP BY col.name`, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name string
		var n int64
		if err := rows.Scan(&name, &n); err != nil {
			t.Fatal(err)
		}
		perCollection[name] = n
	}
	if perCollection["evaluated"] != 2 || perCollection["other"] != 0 {
		t.Errorf("vectors per collection %v, want 2 in evaluated and none in other", perCollection)
	}
	if active, err := st.ActiveModels(ctx); err != nil || len(active) != 0 {
		t.Errorf("active models %v, %v: want none (no switch)", active, err)
	}
}
