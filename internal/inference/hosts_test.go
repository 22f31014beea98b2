package inference_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/civitas-eu/civitas/internal/answer"
	"github.com/civitas-eu/civitas/internal/dbtest"
	"github.com/civitas-eu/civitas/internal/extract"
	"github.com/civitas-eu/civitas/internal/inference"
	"github.com/civitas-eu/civitas/internal/ingest"
	"github.com/civitas-eu/civitas/internal/ollama/ollamatest"
	"github.com/civitas-eu/civitas/internal/retrieve"
	"github.com/civitas-eu/civitas/internal/store"
	"github.com/civitas-eu/civitas/prompts"
)

var quiet = slog.New(slog.DiscardHandler)

// writeDocs writes n Markdown documents of a few paragraphs each into a
// new folder, each naming the recycling centre, so that a question about
// it finds them by text.
func writeDocs(t testing.TB, n int) string {
	t.Helper()
	dir := t.TempDir()
	for i := range n {
		var b strings.Builder
		fmt.Fprintf(&b, "# Recycling centre %d\n\n", i)
		for p := range 6 {
			fmt.Fprintf(&b, "The recycling centre in district %d accepts paper, glass and garden waste on weekday %d. "+
				"Residents bring bulky waste after registering online; rule %d-%d applies to commercial deliveries, which pay a fee by weight.\n\n", i, p, i, p)
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("centre-%03d.md", i)), []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// hostPair starts two Ollama servers of the test's own with the tiny
// random model, and returns pools over both that probe a host taken out
// every 100 ms, so that a restarted host rejoins quickly.
func hostPair(t *testing.T) (a, b *ollamatest.Process, chat, embed *inference.Pool, model string) {
	t.Helper()
	a, b = ollamatest.StartProcess(t), ollamatest.StartProcess(t)
	model = ollamatest.Model(t, a.Client(), ollamatest.RandomFile)
	ollamatest.Model(t, b.Client(), ollamatest.RandomFile)
	pool := func(role string) *inference.Pool {
		return inference.NewPool(inference.PoolConfig{Role: role, Kind: inference.KindOllama, CheckEvery: time.Second,
			BackoffMin: 100 * time.Millisecond, BackoffMax: 500 * time.Millisecond}, nil,
			inference.NewBackend(inference.KindOllama, a.URL, "", true), inference.NewBackend(inference.KindOllama, b.URL, "", true))
	}
	return a, b, pool("chat"), pool("embed"), model
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %s: %s", within, what)
		}
		time.Sleep(20 * time.Millisecond) // polling interval, bounded by the deadline
	}
}

// TestOneOfTwoOllamaHostsStoppedMidRun: with two real Ollama servers
// behind the chat and the embedding backend, one is killed while an
// ingest is embedding on it; the ingest completes on the other, answers
// keep coming, the dead host is reported out of rotation, and it rejoins
// once restarted.
func TestOneOfTwoOllamaHostsStoppedMidRun(t *testing.T) {
	_, b, chat, embed, model := hostPair(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	go chat.Run(ctx)
	go embed.Run(ctx)
	st, err := store.New(dbtest.Migrated(t))
	if err != nil {
		t.Fatal(err)
	}
	coll := dbtest.UniqueName("hosts-")
	in := ingest.New(st, embed, quiet)
	type result struct {
		rep *ingest.Report
		err error
	}
	done := make(chan result, 1)
	go func() {
		rep, err := in.Run(ctx, ingest.Options{Roots: []string{writeDocs(t, 80)}, Collection: coll, EmbedModel: model,
			Workers: 2, BatchSize: 16, Extract: extract.DefaultOptions(), Lease: time.Minute})
		done <- result{rep, err}
	}()
	// Kill b while it embeds a part of a batch.
	waitFor(t, 2*time.Minute, "host b embedding", func() bool { return embed.States()[1].InFlight > 0 })
	b.Stop()
	res := <-done
	if res.err != nil || res.rep.Failed > 0 || res.rep.Added != 80 || res.rep.Chunks == 0 {
		t.Fatalf("ingest with a host killed mid-run: %+v, %v; want all 80 documents added", res.rep, res.err)
	}
	if s := embed.States()[1]; s.Up || s.Error == "" {
		t.Errorf("embedding host b after its death: %+v, want out of rotation with its error", s)
	}

	// Answers: round-robin would send every other one to b, which is dead.
	tmpl, err := prompts.Load("")
	if err != nil {
		t.Fatal(err)
	}
	svc, err := answer.New(answer.Config{ChatModel: model, MaxAnswerTokens: 8, DefaultLanguage: "en"},
		retrieve.New(st, embed, retrieve.Config{EmbedModel: model}, quiet), chat, nil, tmpl, quiet)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		var sources int
		d, err := svc.Answer(ctx, answer.Request{Question: "When does the recycling centre accept garden waste?", Language: "en",
			Collections: []string{coll}}, func(e answer.Event) error {
			if e.Type == answer.EventSources {
				sources = len(e.Sources)
			}
			return nil
		})
		if err != nil || d.Mode != answer.ModeAnswer || sources == 0 {
			t.Fatalf("answer %d with host b dead: mode %q, %d sources, %v; want a generated answer with sources", i, d.Mode, sources, err)
		}
	}
	if s := chat.States()[1]; s.Up {
		t.Errorf("chat host b after its death: %+v, want out of rotation", s)
	}

	// b comes back and rejoins both pools through the health check.
	b.Start()
	waitFor(t, time.Minute, "host b back in rotation", func() bool { return chat.States()[1].Up && embed.States()[1].Up })
}
