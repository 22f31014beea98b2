package main

import (
	"bytes"
	"context"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/civitas-eu/civitas/internal/dbtest"
	"github.com/civitas-eu/civitas/internal/ollama/ollamatest"
)

// TestOpenAIBackendsAnswerIngestAndEvaluate runs the assistant with both
// backends of the openai kind, pointed at the test Ollama's
// OpenAI-compatible endpoints (/v1): an upload is ingested (embeddings
// through /v1/embeddings), an answer cites it (chat through
// /v1/chat/completions), the readiness and the admin inventory report the
// openai hosts (models through /v1/models), a pull is refused with a 400
// that says why, and `assistant eval --answers` runs through them too.
func TestOpenAIBackendsAnswerIngestAndEvaluate(t *testing.T) {
	dbtest.LockActiveModels(t)
	dbURL := dbtest.URL(t)
	schema := dbtest.Schema(t)
	llm := ollamatest.Client(t)
	chat := ollamatest.Model(t, llm, ollamatest.StoriesFile)
	embed := ollamatest.Model(t, llm, ollamatest.RandomFile)
	v1 := strings.TrimSuffix(os.Getenv(ollamatest.EnvURL), "/") + "/v1"
	shared := map[string]string{
		"CIVITAS_DATABASE_URL":      dbURL + "&search_path=" + schema + ",public",
		"CIVITAS_OLLAMA_URL":        "http://127.0.0.1:1", // nothing there: every call must go through /v1
		"CIVITAS_CHAT_BACKEND":      "openai",
		"CIVITAS_CHAT_URL":          v1,
		"CIVITAS_EMBED_BACKEND":     "openai",
		"CIVITAS_EMBED_URL":         v1,
		"CIVITAS_CHAT_MODEL":        chat,
		"CIVITAS_EMBED_MODEL":       embed,
		"CIVITAS_AUTH":              "dev",
		"CIVITAS_DEV_USER":          "km",
		"CIVITAS_DEV_GROUPS":        "admin,knowledge-manager",
		"CIVITAS_MAX_ANSWER_TOKENS": "16",
	}
	ctx := context.Background()
	a := startReplica(t, "A", shared)
	db, err := pgx.Connect(ctx, shared["CIVITAS_DATABASE_URL"])
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close(context.Background()) })

	coll := dbtest.UniqueName("openai-")
	content := []byte("# Wertstoffhof " + coll + "\n\nDer Wertstoffhof Nord ist dienstags und samstags von 8 bis 16 Uhr geöffnet.\n")
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	mw.WriteField("collection", coll)
	fw, _ := mw.CreateFormFile("file", "wertstoffhof.md")
	fw.Write(content)
	mw.Close()
	if status, body := a.call(t, "POST", "/api/library/uploads", mw.FormDataContentType(), &form); status != http.StatusAccepted {
		t.Fatalf("upload: %d %s", status, body)
	}
	var docID int64
	deadline := time.Now().Add(2 * time.Minute)
	for {
		var status, errText string
		err := db.QueryRow(ctx, `SELECT status, coalesce(error, ''), coalesce((result->>'document_id')::bigint, 0) FROM jobs
			WHERE args->>'collection' = $1`, coll).Scan(&status, &errText, &docID)
		if err != nil {
			t.Fatal(err)
		}
		if status == "done" {
			break
		}
		if status == "failed" || time.Now().After(deadline) {
			t.Fatalf("upload job %s %q\n%s", status, errText, a.logs.String())
		}
		time.Sleep(50 * time.Millisecond) // polling interval, bounded by the deadline
	}
	var vectors int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM embeddings e JOIN chunks c ON c.id = e.chunk_id WHERE c.document_id = $1`, docID).Scan(&vectors); err != nil {
		t.Fatal(err)
	}
	if vectors == 0 {
		t.Fatalf("the uploaded document has no vectors: the openai embedding backend was not used")
	}

	q, _ := json.Marshal(map[string]any{"question": "Wann ist der Wertstoffhof Nord geöffnet?", "language": "de", "collections": []string{coll}})
	status, body := a.call(t, "POST", "/api/chat", "application/json", bytes.NewReader(q))
	if status != http.StatusOK || !citesDocument(t, body, docID) || !strings.Contains(string(body), "event: token") {
		t.Fatalf("answer: %d, lacks generated text or a citation of document %d:\n%s", status, docID, body)
	}

	_, body = a.call(t, "GET", "/api/admin/readiness", "", nil)
	var rd struct {
		Mode  string `json:"mode"`
		Hosts []struct {
			Role, Kind, URL string
			Up              bool
		} `json:"hosts"`
	}
	if err := json.Unmarshal(body, &rd); err != nil {
		t.Fatal(err)
	}
	if rd.Mode != "full" || len(rd.Hosts) != 2 || rd.Hosts[0].Kind != "openai" || !rd.Hosts[0].Up || !rd.Hosts[1].Up || rd.Hosts[1].Role != "embed" {
		t.Errorf("readiness = %s; want full mode and an openai chat and embedding host, both up", body)
	}
	_, body = a.call(t, "GET", "/api/admin/models", "", nil)
	var inv struct {
		Models []struct {
			Name          string `json:"name"`
			EmbeddingDims int    `json:"embedding_dims"`
		} `json:"models"`
		CanInstall bool `json:"can_install"`
	}
	if err := json.Unmarshal(body, &inv); err != nil {
		t.Fatal(err)
	}
	dims := map[string]int{}
	for _, m := range inv.Models {
		dims[m.Name] = m.EmbeddingDims
	}
	if _, ok := dims[chat]; !ok || dims[embed] != 8 || inv.CanInstall {
		t.Errorf("inventory = %s; want %s listed, %s with 8 dimensions, installs off", body, chat, embed)
	}
	pull, _ := json.Marshal(map[string]string{"name": "qwen3:0.6b"})
	if status, body := a.call(t, "POST", "/api/admin/models/pull", "application/json", bytes.NewReader(pull)); status != http.StatusBadRequest || !strings.Contains(string(body), "Ollama") {
		t.Errorf("pull with openai backends = %d %s; want 400 saying it needs Ollama", status, body)
	}

	// The evaluation, with generated answers, through the same backends.
	qa := filepath.Join(t.TempDir(), "qa.jsonl")
	line, _ := json.Marshal(map[string]any{"id": "w-1", "question": "Wann ist der Wertstoffhof Nord geöffnet?", "file": "wertstoffhof.md",
		"answerable": true, "quote": "dienstags und samstags"})
	if err := os.WriteFile(qa, append(line, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	var out syncBuffer
	m := &Main{Stdout: &out, Stderr: &out, Getenv: func(k string) string { return shared[k] }}
	if err := m.Run(ctx, []string{"eval", "--qa", qa, "--collections", coll, "--answers", "--json"}); err != nil {
		t.Fatalf("eval through the openai backends: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), `"chat_model"`) {
		t.Errorf("eval output lacks the answer metrics:\n%s", out.String())
	}
}
