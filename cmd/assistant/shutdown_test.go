package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/civitas-eu/civitas/internal/answer"
	"github.com/civitas-eu/civitas/internal/dbtest"
	"github.com/civitas-eu/civitas/internal/ollama/ollamatest"
	"github.com/civitas-eu/civitas/internal/server"
)

// slowAnswerer sends its sources, then waits for release before it
// finishes the answer: an answer that is under way for as long as the
// test wants.
type slowAnswerer struct {
	started chan struct{} // closed once the sources are sent
	release chan struct{}
}

func (a *slowAnswerer) Answer(ctx context.Context, _ answer.Request, emit func(answer.Event) error) (answer.Done, error) {
	if err := emit(answer.Event{Type: answer.EventSources}); err != nil {
		return answer.Done{}, err
	}
	close(a.started)
	select {
	case <-a.release:
	case <-ctx.Done():
		return answer.Done{}, ctx.Err()
	}
	if err := emit(answer.Event{Type: answer.EventToken, Token: "Finished."}); err != nil {
		return answer.Done{}, err
	}
	d := answer.Done{Answer: "Finished.", Mode: answer.ModeAnswer}
	return d, emit(answer.Event{Type: answer.EventDone, Done: &d})
}

// TestShutdownReadinessThenDrain stops the assistant (as SIGTERM does)
// while an answer streams: readiness turns 503 at once on both listeners,
// a new question is refused with 503 and Retry-After, the answer under way
// keeps receiving keep-alive comments and completes, and only then does
// Run return.
func TestShutdownReadinessThenDrain(t *testing.T) {
	dbtest.LockActiveModels(t)
	llm := ollamatest.Client(t)
	env := map[string]string{
		"CIVITAS_DATABASE_URL":     dbtest.URL(t) + "&search_path=" + dbtest.Schema(t) + ",public",
		"CIVITAS_OLLAMA_URL":       os.Getenv(ollamatest.EnvURL),
		"CIVITAS_CHAT_MODEL":       ollamatest.Model(t, llm, ollamatest.StoriesFile),
		"CIVITAS_EMBED_MODEL":      ollamatest.Model(t, llm, ollamatest.RandomFile),
		"CIVITAS_LISTEN":           "127.0.0.1:0",
		"CIVITAS_METRICS_LISTEN":   "127.0.0.1:0",
		"CIVITAS_UPLOAD_DIR":       t.TempDir(),
		"CIVITAS_STREAM_KEEPALIVE": "50ms",
		// Long enough to check readiness before the listener closes; the
		// answer is released only after, so Run cannot return earlier.
		"CIVITAS_SHUTDOWN_DELAY": "3s",
		"CIVITAS_SHUTDOWN_GRACE": "1m",
	}
	slow := &slowAnswerer{started: make(chan struct{}), release: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready, metricsReady := make(chan string, 1), make(chan string, 1)
	var logs syncBuffer
	m := &Main{Stdout: &logs, Stderr: &logs, Getenv: func(k string) string { return env[k] }, Ready: ready, MetricsReady: metricsReady,
		wrapAnswerer: func(server.Answerer) server.Answerer { return slow }}
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
	opsAddr := <-metricsReady
	base := "http://" + addr

	resp, err := http.Post(base+"/api/chat", "application/json", strings.NewReader(`{"question":"Wie lange dauert das?"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("/api/chat = %d %s", resp.StatusCode, b)
	}
	<-slow.started
	lines := make(chan string, 1024)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	// The silent answer keeps receiving keep-alives.
	waitLine(t, lines, ": keep-alive")
	waitLine(t, lines, ": keep-alive")

	cancel() // SIGTERM
	get := func(url string) int {
		t.Helper()
		r, err := http.Get(url)
		if err != nil {
			t.Fatalf("GET %s during the drain: %v", url, err)
		}
		r.Body.Close()
		return r.StatusCode
	}
	deadline := time.Now().Add(2 * time.Second)
	for get(base+"/readyz") != http.StatusServiceUnavailable {
		if time.Now().After(deadline) {
			t.Fatal("public /readyz did not turn 503 after the stop")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if code := get("http://" + opsAddr + "/readyz"); code != http.StatusServiceUnavailable {
		t.Errorf("operator /readyz = %d during the drain, want 503", code)
	}
	r, err := http.Post(base+"/api/chat", "application/json", strings.NewReader(`{"question":"Noch eine Frage?"}`))
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != http.StatusServiceUnavailable || r.Header.Get("Retry-After") == "" {
		t.Errorf("a new question during the drain = %d (Retry-After %q), want 503 with Retry-After", r.StatusCode, r.Header.Get("Retry-After"))
	}
	select {
	case err := <-done:
		t.Fatalf("Run returned (%v) while an answer was under way", err)
	default:
	}

	close(slow.release)
	waitLine(t, lines, "event: done")
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run returned %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("Run did not return after the answer finished\n%s", logs.String())
	}
}

// waitLine reads the stream until a line starting with prefix.
func waitLine(t *testing.T, lines <-chan string, prefix string) {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("the stream ended before %q", prefix)
			}
			if strings.HasPrefix(l, prefix) {
				return
			}
		case <-timeout:
			t.Fatalf("no %q within 20s", prefix)
		}
	}
}
