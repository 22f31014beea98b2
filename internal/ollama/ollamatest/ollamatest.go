// Package ollamatest gives tests a real Ollama server (the one named by
// CIVITAS_TEST_OLLAMA_URL, which `make test` starts) and the small GGUF
// models of ../shared/models (or $CIVITAS_MODELS_DIR), imported on demand.
// Without the server or the model files, tests skip and say why.
package ollamatest

import (
	"context"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/civitas-eu/civitas/internal/dbtest"
	"github.com/civitas-eu/civitas/internal/ollama"
	"github.com/civitas-eu/civitas/internal/sharedtest"
)

// The model files the shared folder provides. Their embeddings have 64 and
// 8 dimensions; neither follows instructions (see shared/models/README.md).
const (
	StoriesFile = "stories260K.gguf"         // chat: English story text; embed: 64 dims, slow (a token per letter)
	RandomFile  = "llama-2-tiny-random.gguf" // chat: random tokens; embed: 8 dims, fast: the tests' embedder
)

// EnvURL names the variable holding the test Ollama URL.
const EnvURL = "CIVITAS_TEST_OLLAMA_URL"

// Client returns a client for the test Ollama server, or skips.
func Client(tb testing.TB) *ollama.Client {
	tb.Helper()
	raw := os.Getenv(EnvURL)
	if raw == "" {
		dbtest.Unavailable(tb, EnvURL+" is not set: skipping a test that needs a real Ollama server (`make test` starts one)")
	}
	u, err := url.Parse(raw)
	if err != nil {
		tb.Fatalf("%s: %v", EnvURL, err)
	}
	c := ollama.New(u, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := c.Version(ctx); err != nil {
		dbtest.Unavailable(tb, "Ollama at "+raw+" does not answer: "+err.Error())
	}
	return c
}

// Unreachable returns a client for a local port that was free a moment
// ago and that nothing listens on: its connections are refused for real,
// not by a fake. It does not retry (Retries 0), so a test of the failure
// path does not wait; set Retries and Backoff to test the retries.
func Unreachable(tb testing.TB) *ollama.Client {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		tb.Fatal(err)
	}
	c := ollama.New(&url.URL{Scheme: "http", Host: addr}, nil)
	c.Retries = 0
	return c
}

// ModelsDir is $CIVITAS_MODELS_DIR, or the shared/models folder beside the
// repository; "" when there is none.
func ModelsDir() string {
	dir, _ := sharedtest.Find("models")
	return dir
}

// Model makes sure the model in file (one of the constants above) is
// installed in c and returns its name. Model files are optional on a
// developer's machine: without them the test skips, saying where it looked.
func Model(tb testing.TB, c *ollama.Client, file string) string {
	tb.Helper()
	dir := ModelsDir()
	path := filepath.Join(dir, file)
	if _, err := os.Stat(path); err != nil {
		tb.Skipf("model file %s not found (looked in %q; set CIVITAS_MODELS_DIR): skipping a test that needs it", file, dir)
	}
	name := ollama.ModelNameForFile(path)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, err := c.Show(ctx, name); err == nil {
		return name
	}
	if _, err := c.ImportGGUF(ctx, name, path); err != nil {
		tb.Fatalf("import %s: %v", path, err)
	}
	return name
}

// EnglishEmbedder is the name `make up` imports the real English embedding
// model all-MiniLM-L6-v2 under (384 dimensions; scripts/embedmodel.sh).
const EnglishEmbedder = "all-minilm-l6-v2"

// RealEmbedder returns EnglishEmbedder when c has it installed. Without
// it the test skips, or fails when services are required: `make up`
// imports it, and a run that claims to test with real services must have it.
func RealEmbedder(tb testing.TB, c *ollama.Client) string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := c.Show(ctx, EnglishEmbedder); err != nil {
		dbtest.Unavailable(tb, "the embedding model "+EnglishEmbedder+" is not installed (scripts/embedmodel.sh, run by `make up`, imports it): "+err.Error())
	}
	return EnglishEmbedder
}
