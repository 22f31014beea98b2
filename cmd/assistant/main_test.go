package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/civitas-eu/civitas/internal/dbtest"
	"github.com/civitas-eu/civitas/internal/ollama/ollamatest"
)

// syncBuffer is a log sink that the server goroutine and the test can
// share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestRunServesHealthAndReadiness runs the whole assistant as main would,
// against the real test database and Ollama, and stops it like SIGTERM.
func TestRunServesHealthAndReadiness(t *testing.T) {
	dbtest.LockActiveModels(t) // readiness names the active models
	dbURL := dbtest.URL(t)
	// The assistant migrates its database; give it a schema of its own.
	schema := dbtest.Schema(t)
	llm := ollamatest.Client(t)
	chat := ollamatest.Model(t, llm, ollamatest.StoriesFile)
	// An installed embedder: on PGlite the schema is shared, and whatever
	// this start-up seeds as the active model stays for every later test.
	embed := ollamatest.Model(t, llm, ollamatest.RandomFile)

	env := map[string]string{
		"CIVITAS_DATABASE_URL":   dbURL + "&search_path=" + schema + ",public",
		"CIVITAS_OLLAMA_URL":     os.Getenv(ollamatest.EnvURL),
		"CIVITAS_CHAT_MODEL":     chat,
		"CIVITAS_EMBED_MODEL":    embed,
		"CIVITAS_LISTEN":         "127.0.0.1:0",
		"CIVITAS_METRICS_LISTEN": "127.0.0.1:0",
		"CIVITAS_UPLOAD_DIR":     t.TempDir(),
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready, metricsReady := make(chan string, 1), make(chan string, 1)
	var logs syncBuffer
	m := &Main{Stdout: &logs, Stderr: &logs, Getenv: func(k string) string { return env[k] }, Ready: ready, MetricsReady: metricsReady}
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx, nil) }()

	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("assistant stopped before listening: %v\n%s", err, logs.String())
	case <-time.After(60 * time.Second):
		t.Fatalf("assistant did not listen within 60s\n%s", logs.String())
	}

	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("/healthz = %d, want 200", resp.StatusCode)
	}

	// The public listener says ready and nothing more, and has no
	// metrics; the operator listener has both, in detail.
	resp, err = http.Get("http://" + addr + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	public, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || strings.Join(strings.Fields(string(public)), "") != `{"status":"ready"}` {
		t.Errorf("public /readyz = %d %s, want only the status", resp.StatusCode, public)
	}
	if resp, err = http.Get("http://" + addr + "/metrics"); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("public /metrics = %d, want 404", resp.StatusCode)
	}
	opsAddr := <-metricsReady
	if resp, err = http.Get("http://" + opsAddr + "/metrics"); err != nil {
		t.Fatal(err)
	}
	metricsText, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(metricsText), `civitas_http_requests_total{method="GET",route="GET /readyz",status="OK"} 1`) {
		t.Errorf("operator /metrics = %d, lacks the /readyz request:\n%s", resp.StatusCode, metricsText)
	}

	resp, err = http.Get("http://" + opsAddr + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	var rd struct {
		Status     string            `json:"status"`
		Mode       string            `json:"mode"`
		ChatModel  struct{ OK bool } `json:"chat_model"`
		EmbedModel struct {
			OK     bool
			Detail string
		} `json:"embed_model"`
		Endpoints map[string]string `json:"endpoints"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&rd); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || rd.Status != "ready" {
		t.Errorf("/readyz = %d %+v, want 200 ready", resp.StatusCode, rd)
	}
	// The active models come from the database, which the flags only
	// seed (in a fresh schema they are the configured ones; PGlite ignores
	// the search_path parameter, so there the schema is shared and the
	// database's choice wins): readiness names the database's model.
	conn, err := pgx.Connect(ctx, env["CIVITAS_DATABASE_URL"])
	if err != nil {
		t.Fatal(err)
	}
	var activeEmbed string
	err = conn.QueryRow(ctx, "SELECT model FROM active_models WHERE role = 'embed'").Scan(&activeEmbed)
	conn.Close(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !rd.ChatModel.OK || !rd.EmbedModel.OK || !strings.HasPrefix(rd.EmbedModel.Detail, activeEmbed) {
		t.Errorf("/readyz reports %+v, want both models ok and the database's active embedding model %s", rd, activeEmbed)
	}

	// The effective endpoints, as the egress guard let them through,
	// without the database password.
	if rd.Endpoints["ollama"] != env["CIVITAS_OLLAMA_URL"] || !strings.Contains(rd.Endpoints["database"], "127.0.0.1") ||
		strings.Contains(rd.Endpoints["database"], ":postgres@") {
		t.Errorf("/readyz endpoints = %v", rd.Endpoints)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run returned %v after shutdown", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("assistant did not stop within 30s of cancellation")
	}
	if !strings.Contains(logs.String(), "stopped") {
		t.Errorf("shutdown not logged:\n%s", logs.String())
	}
}
