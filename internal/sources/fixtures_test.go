package sources_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/net/webdav"

	"github.com/civitas-eu/civitas/internal/chunk"
	"github.com/civitas-eu/civitas/internal/dbtest"
	"github.com/civitas-eu/civitas/internal/extract"
	"github.com/civitas-eu/civitas/internal/ingest"
	"github.com/civitas-eu/civitas/internal/ollama"
	"github.com/civitas-eu/civitas/internal/ollama/ollamatest"
	"github.com/civitas-eu/civitas/internal/sources"
	"github.com/civitas-eu/civitas/internal/store"
)

// bundle is what the sync tests share: a migrated database, the store,
// a sources engine ingesting with the tests' fast embedder.
type bundle struct {
	docs   *store.Store
	st     *sources.Store
	engine *sources.Engine
	model  string
	llm    *ollama.Client
}

func (b bundle) ingester() *ingest.Ingester {
	in := ingest.New(b.docs, b.llm, quiet())
	in.RememberModels = time.Minute
	return in
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func setup(t testing.TB) bundle {
	t.Helper()
	pool := dbtest.Migrated(t)
	llm := ollamatest.Client(t)
	model := ollamatest.Model(t, llm, ollamatest.RandomFile)
	docs, err := store.New(pool)
	if err != nil {
		t.Fatal(err)
	}
	st, err := sources.NewStore(pool)
	if err != nil {
		t.Fatal(err)
	}
	b := bundle{docs: docs, st: st, model: model, llm: llm}
	b.engine = sources.NewEngine(st, sources.EngineConfig{Docs: docs, Ingester: b.ingester(), Lease: 3 * time.Second,
		Options: b.engineOptions()}, quiet())
	return b
}

func (b bundle) engineOptions() func(context.Context) (ingest.Options, error) {
	return func(context.Context) (ingest.Options, error) {
		return ingest.Options{EmbedModel: b.model, BatchSize: 16, Extract: extract.DefaultOptions(),
			Chunk: chunk.Options{TargetTokens: 120, MaxTokens: 200, OverlapTokens: 20}, Lease: 30 * time.Second}, nil
	}
}

// add stores a source and removes it (with its documents) at the end.
func (b bundle) add(t testing.TB, src sources.Source) sources.Source {
	t.Helper()
	ctx := context.Background()
	if src.Name == "" {
		src.Name = dbtest.UniqueName("src-")
	}
	if src.Collection == "" {
		src.Collection = dbtest.UniqueName("coll-")
	}
	src.Enabled = true
	if err := b.engine.Validate(ctx, src); err != nil {
		t.Fatalf("validate: %v", err)
	}
	id, err := b.st.Insert(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = b.st.Delete(context.Background(), id)
		_, _ = b.docs.DB().Exec(context.Background(), "DELETE FROM documents WHERE collection_id = (SELECT id FROM collections WHERE name = $1)", src.Collection)
	})
	src.ID = id
	return src
}

func (b bundle) sync(t testing.TB, src sources.Source) sources.Run {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	run, err := b.engine.Sync(ctx, src.ID, 0)
	if err != nil {
		t.Fatalf("sync %s: %v", src.Name, err)
	}
	return run
}

// current maps the collection's current documents' source URIs to their
// titles.
func (b bundle) current(t testing.TB, collection string) map[string]string {
	t.Helper()
	rows, err := b.docs.DB().Query(context.Background(), `SELECT d.source_uri, d.title FROM documents d
		JOIN collections c ON c.id = d.collection_id WHERE c.name = $1 AND d.superseded_by IS NULL`, collection)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var u, title string
		if err := rows.Scan(&u, &title); err != nil {
			t.Fatal(err)
		}
		out[u] = title
	}
	return out
}

// davServer serves dir over WebDAV on loopback.
func davServer(t testing.TB, dir string) *httptest.Server {
	t.Helper()
	h := &webdav.Handler{FileSystem: webdav.Dir(dir), LockSystem: webdav.NewMemLS()}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func write(t testing.TB, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func want(t testing.TB, run sources.Run, added, updated, unchanged, removed, failed int) {
	t.Helper()
	if run.Added != added || run.Updated != updated || run.Unchanged != unchanged || run.Removed != removed || run.Failed != failed {
		t.Fatalf("run: added %d updated %d unchanged %d removed %d failed %d (%s %v); want %d %d %d %d %d",
			run.Added, run.Updated, run.Unchanged, run.Removed, run.Failed, run.Error, run.Failures, added, updated, unchanged, removed, failed)
	}
}
