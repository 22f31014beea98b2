package server_test

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/civitas-eu/civitas/internal/answer"
	"github.com/civitas-eu/civitas/internal/auth"
	"github.com/civitas-eu/civitas/internal/ollama/ollamatest"
	"github.com/civitas-eu/civitas/internal/server"
	"github.com/civitas-eu/civitas/internal/store"
)

// silentAnswer sends its sources, then says nothing until release is
// closed (or the request ends), then finishes.
func silentAnswer(release <-chan struct{}) func(ctx context.Context, req answer.Request, emit func(answer.Event) error) (answer.Done, error) {
	return func(ctx context.Context, req answer.Request, emit func(answer.Event) error) (answer.Done, error) {
		if err := emit(answer.Event{Type: answer.EventSources, Sources: scriptedSources}); err != nil {
			return answer.Done{}, err
		}
		select {
		case <-release:
		case <-ctx.Done():
			return answer.Done{}, ctx.Err()
		}
		d := answer.Done{Answer: "Fertig.", Mode: answer.ModeAnswer}
		if err := emit(answer.Event{Type: answer.EventToken, Token: "Fertig."}); err != nil {
			return d, err
		}
		return d, emit(answer.Event{Type: answer.EventDone, Done: &d})
	}
}

// TestSlowAnswerReceivesKeepAlives: an answer whose model is silent for
// many keep-alive intervals keeps receiving SSE comments, on the chat
// stream and on the OpenAI stream alike, with the per-write deadline in
// force, and then completes normally.
func TestSlowAnswerReceivesKeepAlives(t *testing.T) {
	for _, tc := range []struct{ name, path, body, end string }{
		{"chat", "/api/chat", `{"question":"Was kostet der Ausweis?"}`, "event: done"},
		{"openai", "/v1/chat/completions", `{"model":"civitas","stream":true,"messages":[{"role":"user","content":"Was kostet der Ausweis?"}]}`, "data: [DONE]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			release := make(chan struct{})
			b := setup(t, setupOpts{answerer: &scriptedAnswerer{AnswerFunc: silentAnswer(release)},
				limits: server.Limits{KeepAlive: 20 * time.Millisecond, WriteTimeout: 5 * time.Second}})
			// Without keep-alives the answer is never released: the
			// deadline fails the test instead of hanging it.
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, "POST", b.url+tc.path, strings.NewReader(tc.body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-Forwarded-User", "kim")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				raw, _ := io.ReadAll(resp.Body)
				t.Fatalf("%s = %d %s", tc.path, resp.StatusCode, raw)
			}
			sc := bufio.NewScanner(resp.Body)
			keepAlives := 0
			for sc.Scan() {
				line := sc.Text()
				if line == ": keep-alive" {
					if keepAlives++; keepAlives == 3 {
						close(release) // three intervals of silence bridged
					}
				}
				if strings.HasPrefix(line, tc.end) {
					break
				}
			}
			if keepAlives < 3 {
				t.Fatalf("%d keep-alive comments before the stream ended, want 3 or more", keepAlives)
			}
		})
	}
}

// TestDatabaseOutageAnswers503: with the database unreachable (a closed
// port), the routes that need it answer 503 with Retry-After, never 500,
// and the public readiness says unavailable.
func TestDatabaseOutageAnswers503(t *testing.T) {
	closed := closedPort(t)
	pool, err := pgxpool.New(context.Background(), "postgres://postgres:postgres@"+closed+"/postgres?sslmode=disable&connect_timeout=2")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	st, err := store.New(pool)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(nil)
	url := "http://" + ts.Listener.Addr().String()
	srv := server.New(server.Config{ChatModel: "chat", EmbedModel: "embed", PublicURLs: []string{url},
		Auth: auth.Config{ProxyHeaders: true, UserHeader: "X-Forwarded-User", GroupsHeader: "X-Forwarded-Groups", TrustedProxies: loopbackProxies}},
		slog.New(slog.NewTextHandler(io.Discard, nil)),
		server.Deps{DB: pool, Models: ollamatest.Unreachable(t), Store: st, Answerer: &scriptedAnswerer{AnswerFunc: citingAnswer}, AuditDB: pool})
	ts.Config.Handler = srv.Handler()
	ts.Start()
	t.Cleanup(ts.Close)

	for _, tc := range []struct{ method, path, body string }{
		{"POST", "/api/chat", `{"question":"Was kostet der Ausweis?"}`},
		{"POST", "/v1/chat/completions", `{"model":"civitas","messages":[{"role":"user","content":"Was kostet der Ausweis?"}]}`},
		{"GET", "/api/conversations", ""},
		{"GET", "/api/conversations/1", ""},
		{"GET", "/api/documents/1", ""},
		{"GET", "/api/audit", ""},
		{"GET", "/api/admin/apikeys", ""},
		{"GET", "/readyz", ""},
	} {
		var body any
		if tc.body != "" {
			body = tc.body
		}
		resp, raw := request(t, tc.method, url+tc.path, "kim", []string{"admin", "auditor"}, body, nil)
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
			t.Errorf("%s %s with the database down = %d (Retry-After %q) %s, want 503 with Retry-After",
				tc.method, tc.path, resp.StatusCode, resp.Header.Get("Retry-After"), raw)
		}
	}
}

// closedPort is a loopback address where nothing listens.
func closedPort(t *testing.T) string {
	t.Helper()
	ts := httptest.NewServer(http.NotFoundHandler())
	addr := ts.Listener.Addr().String()
	ts.Close()
	return addr
}
