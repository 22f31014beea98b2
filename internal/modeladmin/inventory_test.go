package modeladmin_test

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"sync/atomic"
	"testing"

	"github.com/civitas-eu/civitas/internal/dbtest"
	"github.com/civitas-eu/civitas/internal/modeladmin"
	"github.com/civitas-eu/civitas/internal/ollama"
	"github.com/civitas-eu/civitas/internal/ollama/ollamatest"
)

// countingTransport counts the requests that reach Ollama.
type countingTransport struct {
	n  atomic.Int64
	rt http.Transport // no proxy, as ollama.New's own transport
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.rt.RoundTrip(r)
}

// TestListAsksOllamaOncePerDigest lists the models twice: the first listing
// learns each model's context length and embedding size, the second
// reports the same details from one request to Ollama (its model list).
func TestListAsksOllamaOncePerDigest(t *testing.T) {
	e := newEnv(t, dbtest.Tx(t), modeladmin.Config{})
	u, err := url.Parse(os.Getenv(ollamatest.EnvURL))
	if err != nil {
		t.Fatal(err)
	}
	count := &countingTransport{}
	svc := modeladmin.New(modeladmin.Deps{Store: e.st, Ollama: ollama.New(u, &http.Client{Transport: count}), Active: e.active}, modeladmin.Config{}, nil)
	ctx := context.Background()

	first, err := svc.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	count.n.Store(0)
	second, err := svc.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n := count.n.Load(); n != 1 {
		t.Errorf("second listing sent %d requests to Ollama, want 1", n)
	}
	byName := map[string]modeladmin.Model{}
	for _, m := range first {
		byName[m.Name] = m
	}
	for _, m := range second {
		f := byName[m.Name]
		if m.ContextLength != f.ContextLength || m.EmbeddingDims != f.EmbeddingDims {
			t.Errorf("%s: second listing says context %d, dims %d; first said %d, %d",
				m.Name, m.ContextLength, m.EmbeddingDims, f.ContextLength, f.EmbeddingDims)
		}
	}
	if m := byName[e.big]; m.ContextLength == 0 || m.EmbeddingDims != 64 {
		t.Errorf("%s: context %d, dims %d; want a context length and 64 dims", e.big, m.ContextLength, m.EmbeddingDims)
	}
}

// TestSeedRecordsDigests seeds both roles on a fresh schema: each active
// model is stored with the digest the model list gives it.
func TestSeedRecordsDigests(t *testing.T) {
	e := newEnv(t, dbtest.Tx(t), modeladmin.Config{})
	ctx := context.Background()
	if err := e.svc.Seed(ctx, e.big, e.small+":latest"); err != nil {
		t.Fatal(err)
	}
	installed, err := e.llm.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	digests := map[string]string{}
	for _, m := range installed {
		digests[m.Name] = m.Digest
	}
	chat, embed := e.active.Get()
	if chat.Model != e.big || chat.Digest == "" || chat.Digest != digests[e.big] {
		t.Errorf("chat seeded as %s (%q), want %s (%q)", chat.Model, chat.Digest, e.big, digests[e.big])
	}
	if embed.Digest == "" || embed.Digest != digests[e.small] {
		t.Errorf("embed seeded as %s (%q), want digest %q", embed.Model, embed.Digest, digests[e.small])
	}
}
