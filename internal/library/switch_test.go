package library_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/civitas-eu/civitas/internal/dbtest"
	"github.com/civitas-eu/civitas/internal/jobs"
	"github.com/civitas-eu/civitas/internal/library"
	"github.com/civitas-eu/civitas/internal/ollama/ollamatest"
)

// An upload whose job starts with one embedding model and finds another
// active when it has stored its version (an admin's re-embed flipped in
// between) also gets the new model's vectors: vector search after the
// switch must not miss it.
func TestModelSwitchDuringJobAddsNewVectors(t *testing.T) {
	e := newEnv(t)
	newModel := ollamatest.Model(t, ollamatest.Client(t), ollamatest.StoriesFile)
	var asked atomic.Int32
	w := e.worker(t, "switch", e.emb, func(c *library.Config) {
		c.EmbedModel = func(context.Context) (string, error) {
			if asked.Add(1) == 1 {
				return e.model, nil // when the job starts
			}
			return newModel, nil // the switch happened meanwhile
		}
	})

	coll := dbtest.UniqueName("lib-")
	v := upload(t, w.lib, coll, "satzung.pdf", makePDF(t, "Satzung", "Die Satzung gilt ab dem ersten Mai."))
	if j := waitJob(t, w.queue, v.ID); j.Status != jobs.StatusDone {
		t.Fatalf("job %d: %s %s", v.ID, j.Status, j.Error)
	}
	var chunks, withOld, withNew int
	err := e.pool.QueryRow(context.Background(), `
		SELECT count(*),
		       count(*) FILTER (WHERE EXISTS (SELECT 1 FROM embeddings x JOIN embedding_models m ON m.id = x.model_id
		                                      WHERE x.chunk_id = c.id AND m.name = $2)),
		       count(*) FILTER (WHERE EXISTS (SELECT 1 FROM embeddings x JOIN embedding_models m ON m.id = x.model_id
		                                      WHERE x.chunk_id = c.id AND m.name = $3))
		FROM chunks c JOIN documents d ON d.id = c.document_id JOIN collections k ON k.id = d.collection_id
		WHERE k.name = $1 AND d.superseded_by IS NULL`, coll, e.model, newModel).Scan(&chunks, &withOld, &withNew)
	if err != nil {
		t.Fatal(err)
	}
	if chunks == 0 || withOld != chunks || withNew != chunks {
		t.Errorf("%d chunks: %d with %s, %d with %s; want every chunk with both", chunks, withOld, e.model, withNew, newModel)
	}
}
