package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/civitas-eu/civitas/internal/dbtest"
	"github.com/civitas-eu/civitas/internal/ollama/ollamatest"
)

// started runs m.Run(args) until the test ends and returns the address
// sent on ready (the server's or the operator listener's).
func started(t *testing.T, m *Main, logs *syncBuffer, ready <-chan string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx, args) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("%v stopped with %v", args, err)
			}
		case <-time.After(30 * time.Second):
			t.Errorf("%v did not stop within 30s", args)
		}
	})
	select {
	case addr := <-ready:
		return addr
	case err := <-done:
		t.Fatalf("%v stopped before listening: %v\n%s", args, err, logs.String())
	case <-time.After(90 * time.Second):
		t.Fatalf("%v did not listen within 90s\n%s", args, logs.String())
	}
	return ""
}

// libraryJobs lists the upload jobs of collection through the server's API.
func libraryJobs(t *testing.T, addr, collection string) []struct{ Status, Error string } {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/api/library?collection=" + collection)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var l struct {
		Jobs []struct{ Status, Error string }
	}
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET /api/library: %d %s", resp.StatusCode, body)
	}
	if err := json.NewDecoder(resp.Body).Decode(&l); err != nil {
		t.Fatal(err)
	}
	return l.Jobs
}

// TestWorkerRunsJobsWithoutHTTP: a server with --jobs=false queues an
// upload and leaves it queued; `assistant worker`, sharing its settings,
// serves no public API (only /healthz on the operator listener) and
// ingests the upload.
func TestWorkerRunsJobsWithoutHTTP(t *testing.T) {
	dbtest.LockActiveModels(t)
	dbURL := dbtest.URL(t)
	llm := ollamatest.Client(t)
	chat := ollamatest.Model(t, llm, ollamatest.StoriesFile)
	embed := ollamatest.Model(t, llm, ollamatest.RandomFile)
	env := map[string]string{
		"CIVITAS_DATABASE_URL":   dbURL,
		"CIVITAS_OLLAMA_URL":     os.Getenv(ollamatest.EnvURL),
		"CIVITAS_CHAT_MODEL":     chat,
		"CIVITAS_EMBED_MODEL":    embed,
		"CIVITAS_LISTEN":         "127.0.0.1:0",
		"CIVITAS_METRICS_LISTEN": "127.0.0.1:0",
		"CIVITAS_UPLOAD_DIR":     t.TempDir(), // shared by both, like a volume
		"CIVITAS_DEV_GROUPS":     "knowledge-manager",
		"CIVITAS_JOBS":           "false",
	}
	getenv := func(k string) string { return env[k] }

	var serverLogs syncBuffer
	ready := make(chan string, 1)
	addr := started(t, &Main{Stdout: &serverLogs, Stderr: &serverLogs, Getenv: getenv, Ready: ready}, &serverLogs, ready)

	collection := dbtest.UniqueName("worker_")
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("collection", collection)
	fw, _ := mw.CreateFormFile("file", "opening-hours.txt")
	_, _ = io.WriteString(fw, "Opening hours of the citizens' office\n\nThe citizens' office is open Monday to Friday from 8 to 12 o'clock.\n")
	_ = mw.Close()
	resp, err := http.Post("http://"+addr+"/api/library/uploads", mw.FormDataContentType(), &body)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("upload: %d %s", resp.StatusCode, raw)
	}
	// The server runs no jobs: the upload waits for a worker.
	if jobs := libraryJobs(t, addr, collection); len(jobs) != 1 || jobs[0].Status != "queued" {
		t.Fatalf("after the upload, jobs %+v: want one queued", jobs)
	}

	var workerLogs syncBuffer
	opsReady, publicReady := make(chan string, 1), make(chan string, 1)
	w := &Main{Stdout: &workerLogs, Stderr: &workerLogs, Getenv: getenv, MetricsReady: opsReady, Ready: publicReady}
	ops := started(t, w, &workerLogs, opsReady, "worker")

	deadline := time.Now().Add(2 * time.Minute)
	for {
		jobs := libraryJobs(t, addr, collection)
		if len(jobs) == 1 && jobs[0].Status == "done" {
			break
		}
		if len(jobs) == 1 && jobs[0].Status == "failed" || time.Now().After(deadline) {
			t.Fatalf("jobs %+v: want the worker to ingest the upload\nworker:\n%s", jobs, workerLogs.String())
		}
		time.Sleep(200 * time.Millisecond)
	}

	select {
	case a := <-publicReady:
		t.Errorf("the worker listens on a public address %s", a)
	default:
	}
	for path, want := range map[string]int{"/healthz": http.StatusOK, "/readyz": http.StatusOK, "/api/library": http.StatusNotFound} {
		resp, err := http.Get("http://" + ops + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("worker's operator listener: GET %s = %d, want %d", path, resp.StatusCode, want)
		}
	}
}
