package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net"
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

// replica is one assistant process of the deployment under test.
type replica struct {
	url       string
	uploadDir string
	logs      *syncBuffer
}

// freeLoopbackAddr returns a loopback address with a port free now, so
// that --public-url can name the port before the server listens on it.
func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// startReplica runs the whole assistant (Main.Run) with env plus its own
// listen address, public URL and upload directory, which no other
// replica shares, and stops it when the test ends.
func startReplica(t *testing.T, name string, shared map[string]string) replica {
	t.Helper()
	addr := freeLoopbackAddr(t)
	r := replica{url: "http://" + addr, uploadDir: t.TempDir(), logs: &syncBuffer{}}
	// No operator listener: three replicas in one test would contend for
	// its default port.
	env := map[string]string{"CIVITAS_LISTEN": addr, "CIVITAS_PUBLIC_URL": r.url, "CIVITAS_UPLOAD_DIR": r.uploadDir,
		"CIVITAS_METRICS_LISTEN": "off"}
	for k, v := range shared {
		env[k] = v
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	m := &Main{Stdout: r.logs, Stderr: r.logs, Getenv: func(k string) string { return env[k] }, Ready: ready}
	go func() { done <- m.Run(ctx, nil) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("replica %s stopped with %v", name, err)
			}
		case <-time.After(30 * time.Second):
			t.Errorf("replica %s did not stop within 30s", name)
		}
	})
	select {
	case <-ready:
	case err := <-done:
		done <- err // for the cleanup, which waits for it
		t.Fatalf("replica %s stopped before listening: %v\n%s", name, err, r.logs.String())
	case <-time.After(90 * time.Second):
		t.Fatalf("replica %s did not listen within 90s\n%s", name, r.logs.String())
	}
	return r
}

// call sends one request to a replica and returns the status and body.
func (r replica) call(t *testing.T, method, path, contentType string, body io.Reader) (int, []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, r.url+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, raw
}

// TestUploadOpensOnAnotherReplica runs three assistant processes on one
// database, each with an upload directory of its own: a file uploaded
// through A is ingested once, by whichever replica's job runner claims
// it, found in an answer on C and opened through B; a chat model switched
// on A reaches B and C within their refresh interval.
func TestUploadOpensOnAnotherReplica(t *testing.T) {
	dbtest.LockActiveModels(t) // the test switches the active chat model
	dbURL := dbtest.URL(t)
	schema := dbtest.Schema(t) // PGlite ignores it: there the schema is shared
	llm := ollamatest.Client(t)
	chat := ollamatest.Model(t, llm, ollamatest.StoriesFile)
	embed := ollamatest.Model(t, llm, ollamatest.RandomFile)
	shared := map[string]string{
		"CIVITAS_DATABASE_URL":      dbURL + "&search_path=" + schema + ",public",
		"CIVITAS_OLLAMA_URL":        os.Getenv(ollamatest.EnvURL),
		"CIVITAS_CHAT_MODEL":        chat,
		"CIVITAS_EMBED_MODEL":       embed,
		"CIVITAS_AUTH":              "dev",
		"CIVITAS_DEV_USER":          "km",
		"CIVITAS_DEV_GROUPS":        "admin,knowledge-manager",
		"CIVITAS_MAX_ANSWER_TOKENS": "16",
	}
	ctx := context.Background()
	// A migrates the schema first; B and C find it migrated.
	a := startReplica(t, "A", shared)
	b := startReplica(t, "B", shared)
	c := startReplica(t, "C", shared)

	db, err := pgx.Connect(ctx, shared["CIVITAS_DATABASE_URL"])
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close(context.Background()) })
	// Whatever the test leaves active stays for later tests (PGlite).
	var chatBefore string
	if err := db.QueryRow(ctx, `SELECT model FROM active_models WHERE role = 'chat'`).Scan(&chatBefore); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		db.Exec(context.Background(), `UPDATE active_models SET model = $1 WHERE role = 'chat'`, chatBefore)
	})

	// Upload through A.
	coll := dbtest.UniqueName("replicas-")
	content := []byte("# Wertstoffhof " + coll + "\n\nDer Wertstoffhof Nord ist dienstags und samstags von 8 bis 16 Uhr geöffnet.\n")
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	mw.WriteField("collection", coll)
	fw, _ := mw.CreateFormFile("file", "wertstoffhof.md")
	fw.Write(content)
	mw.Close()
	if status, body := a.call(t, "POST", "/api/library/uploads", mw.FormDataContentType(), &form); status != http.StatusAccepted {
		t.Fatalf("upload through A: %d %s", status, body)
	}

	// Processed by some replica's job runner, exactly once.
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
			t.Fatalf("upload job %s %q", status, errText)
		}
		time.Sleep(50 * time.Millisecond) // polling interval, bounded by the deadline
	}
	var jobsN, attempts, ingested, versions int
	if err := db.QueryRow(ctx, `SELECT count(*), max(attempts) FROM jobs WHERE args->>'collection' = $1`, coll).Scan(&jobsN, &attempts); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'document.ingested' AND target = $1`, fmt.Sprintf("document:%d", docID)).Scan(&ingested); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(ctx, `SELECT count(*) FROM documents d JOIN collections c ON c.id = d.collection_id WHERE c.name = $1`, coll).Scan(&versions); err != nil {
		t.Fatal(err)
	}
	if jobsN != 1 || attempts != 1 || ingested != 1 || versions != 1 {
		t.Fatalf("%d jobs (%d attempts), %d ingest events, %d document versions; want exactly one of each", jobsN, attempts, ingested, versions)
	}
	// No replica keeps the file in its upload directory: it is in the store.
	for _, r := range []replica{a, b, c} {
		if found, _ := filepath.Glob(filepath.Join(r.uploadDir, coll, "*")); len(found) != 0 {
			t.Errorf("upload directory %s holds %v", r.uploadDir, found)
		}
	}

	// Cited in an answer on C, opened through B.
	q, _ := json.Marshal(map[string]any{"question": "Wann ist der Wertstoffhof Nord geöffnet?", "language": "de", "collections": []string{coll}})
	status, body := c.call(t, "POST", "/api/chat", "application/json", bytes.NewReader(q))
	if status != http.StatusOK || !citesDocument(t, body, docID) {
		t.Fatalf("answer on C: %d, does not cite document %d:\n%s", status, docID, body)
	}
	status, body = b.call(t, "GET", fmt.Sprintf("/api/documents/%d/file", docID), "", nil)
	if status != http.StatusOK || !bytes.Equal(body, content) {
		t.Fatalf("file through B: %d %q, want the uploaded bytes", status, body)
	}

	// A chat model switched on A reaches B and C.
	sw, _ := json.Marshal(map[string]string{"name": embed})
	if status, body := a.call(t, "POST", "/api/admin/models/chat", "application/json", bytes.NewReader(sw)); status != http.StatusOK {
		t.Fatalf("switch on A: %d %s", status, body)
	}
	for name, r := range map[string]replica{"B": b, "C": c} {
		deadline := time.Now().Add(30 * time.Second) // the refresh interval is 5 s
		for {
			_, body := r.call(t, "GET", "/api/admin/readiness", "", nil) // the public /readyz names no models
			var rd struct {
				ChatModel struct{ Detail string } `json:"chat_model"`
			}
			if json.Unmarshal(body, &rd) == nil && rd.ChatModel.Detail == embed {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("replica %s still answers with %q after the switch to %s", name, rd.ChatModel.Detail, embed)
			}
			time.Sleep(100 * time.Millisecond) // polling interval, bounded by the deadline
		}
	}
}

// citesDocument reports whether the answer's event stream lists document
// id among its sources.
func citesDocument(t *testing.T, stream []byte, id int64) bool {
	t.Helper()
	sc := bufio.NewScanner(bytes.NewReader(stream))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	event := ""
	for sc.Scan() {
		line := sc.Text()
		if e, ok := strings.CutPrefix(line, "event: "); ok {
			event = e
			continue
		}
		data, ok := strings.CutPrefix(line, "data: ")
		if !ok || event != "sources" {
			continue
		}
		var s struct {
			Sources []struct {
				DocumentID int64 `json:"document_id"`
			} `json:"sources"`
		}
		if err := json.Unmarshal([]byte(data), &s); err != nil {
			t.Fatalf("sources event: %v", err)
		}
		for _, src := range s.Sources {
			if src.DocumentID == id {
				return true
			}
		}
	}
	return false
}
