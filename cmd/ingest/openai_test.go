package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/civitas-eu/civitas/internal/dbtest"
	"github.com/civitas-eu/civitas/internal/ollama/ollamatest"
)

// TestIngestThroughOpenAIEmbeddingBackend: with --embed-backend=openai and
// --embed-url naming an OpenAI-compatible server (the test Ollama's /v1),
// the ingest command embeds through /v1/embeddings; --ollama-url points
// nowhere, so nothing goes through the native API.
func TestIngestThroughOpenAIEmbeddingBackend(t *testing.T) {
	dbtest.LockActiveModels(t)
	dbURL := dbtest.URL(t)
	dbtest.Migrated(t)
	llm := ollamatest.Client(t)
	model := ollamatest.Model(t, llm, ollamatest.RandomFile)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "hinweis.md"), []byte("# Hinweis\n\nDas Bürgerbüro ist am Montag geschlossen. Anträge können online gestellt werden.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"CIVITAS_DATABASE_URL": dbURL, "CIVITAS_OLLAMA_URL": "http://127.0.0.1:1", "CIVITAS_EMBED_MODEL": model,
		"CIVITAS_EMBED_BACKEND": "openai", "CIVITAS_EMBED_URL": strings.TrimSuffix(os.Getenv(ollamatest.EnvURL), "/") + "/v1"}
	var stdout, stderr bytes.Buffer
	m := &Main{Stdout: &stdout, Stderr: &stderr, Getenv: func(k string) string { return env[k] }}
	if err := m.Run(context.Background(), []string{"--json", "--quiet", "--collection", dbtest.UniqueName("openai-"), dir}); err != nil {
		t.Fatalf("ingest through the openai backend: %v\n%s", err, stderr.String())
	}
	var rep struct {
		Added, Failed, Chunks int
	}
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil || rep.Added != 1 || rep.Failed != 0 || rep.Chunks == 0 {
		t.Fatalf("report %s (%v); want one document added with its chunks", stdout.String(), err)
	}
}
