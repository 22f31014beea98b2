package modeladmin_test

import (
	"context"
	"errors"
	"testing"

	"github.com/civitas-eu/civitas/internal/dbtest"
	"github.com/civitas-eu/civitas/internal/modeladmin"
	"github.com/civitas-eu/civitas/internal/retrieve"
	"github.com/civitas-eu/civitas/internal/store"
)

// TestReembedKilledAndResumed switches the embedding model from the 8-dim
// to the 64-dim shared model on a fresh schema: the first run is killed
// after two batches, while a document is ingested with the old model
// mid-run; a second run resumes. Afterwards every chunk has exactly one
// vector per model, and the active model flipped only at the very end.
func TestReembedKilledAndResumed(t *testing.T) {
	tx := dbtest.Tx(t)
	ctx := context.Background()
	const batch = 3
	e := newEnv(t, tx, modeladmin.Config{ReembedBatch: batch, ReembedPause: -1})
	col := dbtest.UniqueName("models-")

	dims, err := e.llm.EmbeddingDimensions(ctx, e.small)
	if err != nil {
		t.Fatal(err)
	}
	old, err := e.st.RegisterEmbeddingModel(ctx, e.small, dims, "")
	if err != nil {
		t.Fatal(err)
	}
	e.writeDoc(t, col, old, 7)
	e.writeDoc(t, col, old, 5)
	if _, err := e.st.SwitchEmbedModel(ctx, old, "test", "start"); err != nil {
		t.Fatal(err)
	}

	// Run 1: killed (its context cancelled, as when the worker dies) after
	// two batches; a document arrives with the old model after the first.
	runCtx, kill := context.WithCancel(ctx)
	batches := 0
	_, err = e.svc.Reembed(runCtx, e.big, "admin", func(_ context.Context, done, total int64, msg string) error {
		if msg != "embedding chunks with "+e.big || done == 0 {
			return nil
		}
		batches++
		if batches == 1 {
			e.writeDoc(t, col, old, 4)
		}
		if batches == 2 {
			kill()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("killed run returned %v, want context.Canceled", err)
	}
	newModel, err := e.st.EmbeddingModel(ctx, e.big)
	if err != nil {
		t.Fatal(err)
	}
	if got := countVectors(t, tx, newModel.ID); got != 2*batch {
		t.Errorf("after the kill: %d vectors from %s, want %d (two batches)", got, e.big, 2*batch)
	}
	assertActiveEmbed(t, e, e.small)

	// Run 2 resumes and finishes.
	var reports []int64
	res, err := e.svc.Reembed(ctx, e.big, "admin", func(_ context.Context, done, total int64, _ string) error {
		reports = append(reports, done)
		if done < total {
			assertActiveEmbed(t, e, e.small) // queries stay on the old model until complete
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	const chunks = 7 + 5 + 4
	if !res.Switched || res.Total != chunks || res.Embedded != chunks-2*batch {
		t.Errorf("resumed run: %+v, want switched, total %d, embedded %d", res, chunks, chunks-2*batch)
	}
	if len(reports) < 2 || reports[0] != 2*batch {
		t.Errorf("progress %v: want to start at %d (resumed) and report each batch", reports, 2*batch)
	}
	assertActiveEmbed(t, e, e.big)

	// Exactly one vector per chunk per model.
	var dup, perModelOld, perModelNew int64
	err = tx.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM (SELECT chunk_id, model_id FROM embeddings GROUP BY 1, 2 HAVING count(*) > 1) d),
		(SELECT count(*) FROM embeddings WHERE model_id = $1),
		(SELECT count(*) FROM embeddings WHERE model_id = $2)`, old.ID, newModel.ID).Scan(&dup, &perModelOld, &perModelNew)
	if err != nil {
		t.Fatal(err)
	}
	if dup != 0 || perModelOld != chunks || perModelNew != chunks {
		t.Errorf("duplicates %d, %s vectors %d, %s vectors %d; want 0, %d, %d", dup, e.small, perModelOld, e.big, perModelNew, chunks, chunks)
	}

	// The history records the flip with both sides.
	changes, err := e.svc.Changes(ctx, 1)
	if err != nil || len(changes) != 1 || changes[0].From != e.small || changes[0].To != e.big || changes[0].By != "admin" {
		t.Errorf("latest change %+v (%v), want %s -> %s by admin", changes, err, e.small, e.big)
	}

	// Retrieval through the resolved active model searches the new
	// model's 64-dim vectors, and only those.
	r := retrieve.New(e.st, e.llm, retrieve.Config{EmbedModel: e.small}, nil)
	_, embed := e.active.ActiveModels()
	got, err := r.Retrieve(ctx, retrieve.Query{Text: "parking permits", Collections: []string{col}, Mode: retrieve.ModeVector, EmbedModel: embed})
	if err != nil || got.EmbedModel != e.big || len(got.Passages) == 0 {
		t.Errorf("vector retrieval after the flip: model %q, %d passages, %v; want %s", got.EmbedModel, len(got.Passages), err, e.big)
	}

	// The active model's vectors cannot be dropped; the old one's can.
	if _, err := e.svc.DropEmbeddings(ctx, e.big); !errors.Is(err, modeladmin.ErrActive) {
		t.Errorf("dropping the active model's vectors: %v, want ErrActive", err)
	}
	n, err := e.svc.DropEmbeddings(ctx, e.small)
	if err != nil || n != chunks || countVectors(t, tx, old.ID) != 0 {
		t.Errorf("dropping %s: %d, %v; want %d vectors gone", e.small, n, err, chunks)
	}
}

func countVectors(t *testing.T, db store.DB, modelID int) int64 {
	t.Helper()
	var n int64
	if err := db.QueryRow(context.Background(), "SELECT count(*) FROM embeddings WHERE model_id = $1", modelID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func assertActiveEmbed(t *testing.T, e env, want string) {
	t.Helper()
	if err := e.active.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, embed := e.active.ActiveModels(); embed != want {
		t.Errorf("active embedding model %q, want %q", embed, want)
	}
}
