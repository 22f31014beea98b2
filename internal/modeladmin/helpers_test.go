package modeladmin_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"testing"

	"github.com/civitas-eu/civitas/internal/dbtest"
	"github.com/civitas-eu/civitas/internal/modeladmin"
	"github.com/civitas-eu/civitas/internal/ollama"
	"github.com/civitas-eu/civitas/internal/ollama/ollamatest"
	"github.com/civitas-eu/civitas/internal/store"
)

// env is one test's store and the two shared models.
type env struct {
	st     *store.Store
	llm    *ollama.Client
	small  string // llama-2-tiny-random: 8 dims, fast
	big    string // stories260k: 64 dims
	active *modeladmin.Active
	svc    *modeladmin.Service
}

func newEnv(t *testing.T, db store.DB, cfg modeladmin.Config) env {
	t.Helper()
	st, err := store.New(db)
	if err != nil {
		t.Fatal(err)
	}
	llm := ollamatest.Client(t)
	e := env{st: st, llm: llm, small: ollamatest.Model(t, llm, ollamatest.RandomFile), big: ollamatest.Model(t, llm, ollamatest.StoriesFile)}
	e.active = modeladmin.NewActive(st, 0, nil)
	e.svc = modeladmin.New(modeladmin.Deps{Store: st, Ollama: llm, Active: e.active}, cfg, nil)
	return e
}

// writeDoc stores a document of n short chunks in collection, embedded
// with m.
func (e env) writeDoc(t *testing.T, collection string, m store.EmbeddingModel, n int) {
	t.Helper()
	ctx := context.Background()
	if _, err := e.st.EnsureCollection(ctx, collection); err != nil {
		t.Fatal(err)
	}
	src := dbtest.UniqueName("doc-") + ".md"
	chunks := make([]store.Chunk, n)
	texts := make([]string, n)
	for i := range chunks {
		texts[i] = fmt.Sprintf("Paragraph %d of %s: parking permits for residents.", i, src)
		chunks[i] = store.Chunk{Ordinal: i, Content: texts[i], TokenCount: 10}
	}
	vecs, err := e.llm.Embed(ctx, m.Name, texts)
	if err != nil {
		t.Fatal(err)
	}
	hash := sha256.Sum256([]byte(src))
	_, err = e.st.WriteVersion(ctx, store.NewVersion{
		Document: store.Document{Collection: collection, SourceURI: src, Title: src, MediaType: "text/markdown", ContentHash: hash[:]},
		Chunks:   chunks, Vectors: vecs, Model: m,
	})
	if err != nil {
		t.Fatal(err)
	}
}
