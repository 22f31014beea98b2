package ingest_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/civitas-eu/civitas/internal/dbtest"
	"github.com/civitas-eu/civitas/internal/extract"
	"github.com/civitas-eu/civitas/internal/ingest"
	"github.com/civitas-eu/civitas/internal/ollama/ollamatest"
	"github.com/civitas-eu/civitas/internal/store"
)

// TestIngestUnderRestrictedRole ingests a folder as the restricted
// application role, with --vector-type halfvec: the new embedding model's
// partition and half-precision index come from the owner's function, the
// documents are added, changed and pruned, and retrieval finds them; the
// role still may not drop the index or a table.
func TestIngestUnderRestrictedRole(t *testing.T) {
	ctx := context.Background()
	db := dbtest.AppRole(t, nil)
	st, err := store.New(db.Pool, store.WithVectorType(store.VectorHalf))
	if err != nil {
		t.Fatal(err)
	}
	llm := ollamatest.Client(t)
	model := ollamatest.Model(t, llm, ollamatest.RandomFile)
	dir := t.TempDir()
	write := func(name, text string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("hund.md", "# Hundesteuer\n\nDie Hundesteuer beträgt 120 Euro im Jahr.\n")
	write("park.md", "# Bewohnerparken\n\nDer Ausweis kostet 90 Euro.\n")
	in := ingest.New(st, llm, slog.New(slog.NewTextHandler(io.Discard, nil)))
	opts := ingest.Options{Roots: []string{dir}, Collection: "app", EmbedModel: model, Extract: extract.DefaultOptions(), Prune: true}
	rep, err := in.Run(ctx, opts)
	if err != nil || rep.Added != 2 || rep.Failed != 0 {
		t.Fatalf("first ingest as the app role: %v %+v", err, rep)
	}
	write("hund.md", "# Hundesteuer\n\nDie Hundesteuer beträgt 150 Euro im Jahr.\n")
	if err := os.Remove(filepath.Join(dir, "park.md")); err != nil {
		t.Fatal(err)
	}
	rep, err = in.Run(ctx, opts)
	if err != nil || rep.Updated != 1 || rep.Removed != 1 || rep.Failed != 0 {
		t.Fatalf("second ingest as the app role: %v %+v", err, rep)
	}
	m, err := st.EmbeddingModel(ctx, model)
	if err != nil || m.VectorType != store.VectorHalf {
		t.Fatalf("model %+v (%v), want a halfvec model", m, err)
	}
	vecs, err := llm.Embed(ctx, model, []string{"Hundesteuer"})
	if err != nil {
		t.Fatal(err)
	}
	hits, err := st.RetrieveHybrid(ctx, m, store.RetrieveQuery{Text: "Hundesteuer", Vector: vecs[0], K: 3})
	if err != nil || len(hits) == 0 || hits[0].Title != "Hundesteuer" {
		t.Fatalf("retrieval as the app role: %v %+v", err, hits)
	}
	for _, sql := range []string{
		fmt.Sprintf("DROP INDEX embeddings_hnsw_%d", m.ID),
		"DROP TABLE chunks",
		"CREATE INDEX ON chunks (ordinal)",
	} {
		_, err := db.Pool.Exec(ctx, sql)
		if pgErr := (*pgconn.PgError)(nil); !errors.As(err, &pgErr) || pgErr.Code != "42501" {
			t.Errorf("%s as the app role: error %v, want SQLSTATE 42501", sql, err)
		}
	}
}
