package server_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/civitas-eu/civitas/internal/answer"
	"github.com/civitas-eu/civitas/internal/auth"
	"github.com/civitas-eu/civitas/internal/dbtest"
	"github.com/civitas-eu/civitas/internal/extract"
	"github.com/civitas-eu/civitas/internal/ingest"
	"github.com/civitas-eu/civitas/internal/ollama"
	"github.com/civitas-eu/civitas/internal/ollama/ollamatest"
	"github.com/civitas-eu/civitas/internal/privacy"
	"github.com/civitas-eu/civitas/internal/retrieve"
	"github.com/civitas-eu/civitas/internal/server"
	"github.com/civitas-eu/civitas/internal/store"
	"github.com/civitas-eu/civitas/prompts"
)

// bundle is a running assistant over the real database and Ollama.
type bundle struct {
	url        string
	store      *store.Store
	llm        *ollama.Client
	embedModel string
	chatModel  string
	collection string
	metricsURL string // the operator listener (MetricsHandler)
}

type setupOpts struct {
	ollamaDead bool        // point the assistant at a port where nothing listens
	auth       auth.Config // zero: proxy headers
	answerer   server.Answerer
	// retentionDays is told in the transparency notice.
	retentionDays int
	// authn, if set, builds the authenticator once the server's URL is
	// known (an OpenID provider needs the callback URL).
	authn func(t testing.TB, baseURL string, st *store.Store) *auth.Authenticator
	// log, if set, receives the server's log (text, debug level).
	log io.Writer
	// limits bound answers and writes, readTimeout requests (zero: none),
	// as cmd/assistant sets them.
	limits      server.Limits
	readTimeout time.Duration
	// pool, if set, is the database pool instead of the shared migrated
	// test database (a pool running as the restricted app role).
	pool *pgxpool.Pool
	// sources serves the /api/sources routes (nil: 503).
	sources *server.SourcesService
	// collectors are further series for /metrics (server.Deps).
	collectors []prometheus.Collector
}

func newCollection() string { return dbtest.UniqueName("srv-") }

func setup(t testing.TB, o setupOpts) bundle {
	t.Helper()
	pool := o.pool
	if pool == nil {
		pool = dbtest.Migrated(t)
	}
	st, err := store.New(pool)
	if err != nil {
		t.Fatal(err)
	}
	real := ollamatest.Client(t)
	b := bundle{store: st, llm: real, collection: newCollection()}
	// The database is shared by every test and run: documents left behind
	// would point at deleted temporary files and show up in other tests'
	// sources.
	t.Cleanup(func() {
		if _, err := pool.Exec(context.Background(), "DELETE FROM collections WHERE name = $1", b.collection); err != nil {
			t.Errorf("remove test collection %s: %v", b.collection, err)
		}
	})
	b.embedModel = ollamatest.Model(t, real, ollamatest.RandomFile)
	b.chatModel = ollamatest.Model(t, real, ollamatest.StoriesFile)
	llm := real
	if o.ollamaDead {
		llm = ollamatest.Unreachable(t)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if o.log != nil {
		log = slog.New(slog.NewTextHandler(o.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	set, err := prompts.Load("")
	if err != nil {
		t.Fatal(err)
	}
	ans := o.answerer
	if ans == nil {
		r := retrieve.New(st, llm, retrieve.Config{EmbedModel: b.embedModel}, log)
		// The test embedding model's similarities mean nothing: only text
		// matches count as evidence (MinSimilarity above 1).
		svc, err := answer.New(answer.Config{ChatModel: b.chatModel, MaxAnswerTokens: 24, DefaultLanguage: "de", MinSimilarity: 1.1}, r, llm, nil, set, log)
		if err != nil {
			t.Fatal(err)
		}
		ans = svc
	}
	priv, err := privacy.New(pool, privacy.Config{}, log)
	if err != nil {
		t.Fatal(err)
	}
	a := orProxyHeaders(o.auth)
	ts := httptest.NewUnstartedServer(nil)
	b.url = "http://" + ts.Listener.Addr().String()
	var authn *auth.Authenticator
	if o.authn != nil {
		authn = o.authn(t, b.url, st)
	}
	srv := server.New(server.Config{ChatModel: b.chatModel, EmbedModel: b.embedModel, Auth: a, PromptVersion: set.Version(),
		RetentionDays: o.retentionDays, PublicURLs: []string{b.url}, Limits: o.limits},
		log, server.Deps{DB: pool, Models: llm, Store: st, Answerer: ans, Auth: authn, AuditDB: pool, Privacy: priv, Sources: o.sources,
			Collectors: o.collectors})
	ts.Config.Handler = srv.Handler()
	ts.Config.WriteTimeout, ts.Config.ReadTimeout = o.limits.WriteTimeout, o.readTimeout
	ts.Start()
	t.Cleanup(ts.Close)
	ms := httptest.NewServer(srv.MetricsHandler())
	t.Cleanup(ms.Close)
	b.metricsURL = ms.URL
	return b
}

// orProxyHeaders is a, or, when a configures no way to identify callers,
// the proxy headers the test helpers send, trusted from loopback, where
// the tests' client connects from.
func orProxyHeaders(a auth.Config) auth.Config {
	if !a.ProxyHeaders && a.DevUser == "" && a.Mode == "" {
		return auth.Config{ProxyHeaders: true, UserHeader: "X-Forwarded-User", GroupsHeader: "X-Forwarded-Groups",
			TrustedProxies: loopbackProxies}
	}
	return a
}

// loopbackProxies trusts the tests' own client as the reverse proxy.
var loopbackProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}

// ingestFiles writes files into a folder and ingests it into the bundle's
// collection with the given access groups.
func (b bundle) ingestFiles(t testing.TB, groups []string, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	in := ingest.New(b.store, b.llm, slog.New(slog.NewTextHandler(io.Discard, nil)))
	rep, err := in.Run(context.Background(), ingest.Options{Roots: []string{dir}, Collection: b.collection, Groups: groups,
		EmbedModel: b.embedModel, Extract: extract.DefaultOptions()})
	if err != nil || rep.Failed > 0 {
		t.Fatalf("ingest fixtures: %v %+v", err, rep)
	}
	return dir
}

type sseEvent struct {
	Event string
	Data  json.RawMessage
}

// ask posts a question as user with groups and reads the whole SSE stream.
func (b bundle) ask(t *testing.T, userName string, groups []string, body map[string]any) (*http.Response, []sseEvent) {
	t.Helper()
	if body["collections"] == nil {
		body["collections"] = []string{b.collection}
	}
	resp, raw := request(t, "POST", b.url+"/api/chat", userName, groups, body, nil)
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		return resp, nil
	}
	return resp, readSSE(t, bytes.NewReader(raw))
}

// readSSE parses an event stream strictly: every frame is "event:" then
// one "data:" line of JSON, then a blank line.
func readSSE(t *testing.T, r io.Reader) []sseEvent {
	t.Helper()
	var out []sseEvent
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var cur sseEvent
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "event: "):
			cur.Event = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			cur.Data = json.RawMessage(strings.TrimPrefix(line, "data: "))
			if !json.Valid(cur.Data) {
				t.Fatalf("event %s has invalid JSON data: %s", cur.Event, cur.Data)
			}
		case strings.HasPrefix(line, ":"): // a keep-alive comment, framed on its own
		case line == "" && cur.Event == "" && cur.Data == nil: // the comment's blank line
		case line == "":
			if cur.Event == "" || cur.Data == nil {
				t.Fatalf("malformed SSE frame: %+v", cur)
			}
			out = append(out, cur)
			cur = sseEvent{}
		default:
			t.Fatalf("unexpected SSE line %q", line)
		}
	}
	return out
}

// request sends a request as userName in groups, by the proxy headers
// (none without a user), and returns the reply with its body read whole.
// A string or io.Reader body goes as it is, any other non-nil body as
// JSON; a string or JSON body is sent as application/json. headers are
// set last, so they may override any of these.
func request(t testing.TB, method, u, userName string, groups []string, body any, headers map[string]string) (*http.Response, []byte) {
	t.Helper()
	h := map[string]string{}
	var rd io.Reader
	switch v := body.(type) {
	case nil:
	case io.Reader:
		rd = v
	case string:
		rd = strings.NewReader(v)
		h["Content-Type"] = "application/json"
	default:
		raw, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("%s %s: encode body: %v", method, u, err)
		}
		rd = bytes.NewReader(raw)
		h["Content-Type"] = "application/json"
	}
	if userName != "" {
		h["X-Forwarded-User"] = userName
		h["X-Forwarded-Groups"] = strings.Join(groups, ",")
	}
	maps.Copy(h, headers)
	return do(t, http.DefaultClient, method, u, rd, h)
}

// do sends a request with c and headers and returns the reply with its
// body read whole. It gives up after a few minutes, so that a wedged
// server fails the test instead of hanging it.
func do(t testing.TB, c *http.Client, method, u string, body io.Reader, headers map[string]string) (*http.Response, []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read reply: %v", method, u, err)
	}
	return resp, b
}

// setupB is the benchmarks' bundle: the assistant over one ingested
// document.
func setupB(b *testing.B) bundle {
	b.Helper()
	bb := setup(b, setupOpts{})
	bb.ingestFiles(b, nil, map[string]string{"bewohnerparken.md": parkingDoc})
	return bb
}
