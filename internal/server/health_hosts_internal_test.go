package server

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/civitas-eu/civitas/internal/inference"
	"github.com/civitas-eu/civitas/internal/ollama/ollamatest"
)

// TestReadinessDetailReportsEachInferenceHost: with a chat backend of a
// live host and a dead one, and an embedding backend whose only host is
// dead, the detailed readiness lists every host with its role, kind and
// state, names the dead ones' error, and answers in lexical mode (chat
// works, embeddings do not) instead of calling the whole server down.
func TestReadinessDetailReportsEachInferenceHost(t *testing.T) {
	llm := ollamatest.Client(t)
	model := ollamatest.Model(t, llm, ollamatest.RandomFile)
	live, _ := url.Parse(os.Getenv(ollamatest.EnvURL))
	dead, _ := url.Parse(ollamatest.Unreachable(t).URL())
	pool := func(role string, urls ...*url.URL) *inference.Pool {
		var bs []inference.Backend
		for _, u := range urls {
			bs = append(bs, inference.NewBackend(inference.KindOllama, u, "", true))
		}
		return inference.NewPool(inference.PoolConfig{Role: role, Kind: inference.KindOllama}, nil, bs...)
	}
	set := &inference.Set{ChatPool: pool("chat", live, dead), EmbedPool: pool("embed", dead)}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	set.ChatPool.CheckNow(ctx) // what the health check (Set.Run) does every few seconds

	s := New(Config{ChatModel: model, EmbedModel: model}, slog.New(slog.NewTextHandler(io.Discard, nil)), Deps{DB: &countingPinger{}, Models: set})
	rd := s.checkReadiness(ctx)
	raw, _ := json.Marshal(rd)
	if rd.Status != "ready" || rd.Mode != ModeLexical || !rd.ChatModel.OK || rd.EmbedModel.OK {
		t.Errorf("readiness = %s; want ready in lexical mode: the chat model answers, the embedding host is dead", raw)
	}
	want := []struct {
		role string
		url  string
		up   bool
	}{{"chat", live.String(), true}, {"chat", dead.String(), false}, {"embed", dead.String(), false}}
	if len(rd.Hosts) != len(want) {
		t.Fatalf("hosts = %s, want %d", raw, len(want))
	}
	for i, w := range want {
		h := rd.Hosts[i]
		if h.Role != w.role || h.URL != w.url || h.Up != w.up || h.Kind != "ollama" || (!w.up && (h.Error == "" || h.RetryAt == nil)) {
			t.Errorf("host %d = %+v, want %s %s up=%v (a dead one with its error and next probe)", i, h, w.role, w.url, w.up)
		}
	}
}
