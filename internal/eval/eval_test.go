package eval_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/civitas-eu/civitas/internal/dbtest"
	"github.com/civitas-eu/civitas/internal/eval"
	"github.com/civitas-eu/civitas/internal/extract"
	"github.com/civitas-eu/civitas/internal/ingest"
	"github.com/civitas-eu/civitas/internal/ollama/ollamatest"
	"github.com/civitas-eu/civitas/internal/retrieve"
	"github.com/civitas-eu/civitas/internal/sharedtest"
	"github.com/civitas-eu/civitas/internal/store"
)

// fakeRetriever answers from canned passages per mode and question text.
type fakeRetriever struct {
	passages map[string]map[string][]retrieve.Passage // mode → question → passages
	noVector bool
}

func (f fakeRetriever) Retrieve(_ context.Context, q retrieve.Query) (retrieve.Result, error) {
	if f.noVector && q.Mode != retrieve.ModeLexical {
		return retrieve.Result{}, fmt.Errorf("retrieve: %w: no model", retrieve.ErrNoEmbeddings)
	}
	ps := f.passages[q.Mode][q.Text]
	return retrieve.Result{Passages: ps[:min(q.K, len(ps))], Mode: q.Mode}, nil
}

func TestRunScores(t *testing.T) {
	t.Parallel()
	qs := []eval.Question{
		{ID: "a", Type: "factual", Question: "qa", Answerable: true, File: "a.pdf", Pages: []int{2}},
		{ID: "b", Type: "factual", Question: "qb", Answerable: true, File: "b.md", Quote: "Die Antwort"},
		{ID: "c", Type: "cross-lingual", Question: "qc", Answerable: true, File: "c.pdf", Pages: []int{1}},
		{ID: "n", Type: "unanswerable", Question: "qn"},
	}
	miss := retrieve.Passage{SourceURI: "/d/x.pdf", PageStart: 2, PageEnd: 2}
	hitA := retrieve.Passage{SourceURI: "/d/a.pdf", PageStart: 1, PageEnd: 3}
	hitB := retrieve.Passage{SourceURI: "/d/b.md", Text: "… die  Antwort …"}
	ranked := func(n int, hit retrieve.Passage) []retrieve.Passage {
		ps := make([]retrieve.Passage, n)
		for i := range ps {
			ps[i] = miss
		}
		return append(ps, hit)
	}
	f := fakeRetriever{passages: map[string]map[string][]retrieve.Passage{
		// a at 1, b at 4, c missed.
		retrieve.ModeLexical: {"qa": ranked(0, hitA), "qb": ranked(3, hitB), "qc": ranked(12, hitA)},
		// a at 2, b beyond k = 10, c missed.
		retrieve.ModeHybrid: {"qa": ranked(1, hitA), "qb": ranked(10, hitB)},
	}}
	rep, err := eval.Run(context.Background(), f, qs, eval.Options{Methods: []string{retrieve.ModeLexical, retrieve.ModeHybrid}})
	if err != nil {
		t.Fatal(err)
	}
	lex, _ := rep.Method(retrieve.ModeLexical)
	want := eval.Metrics{Hit1: 1.0 / 3, Hit3: 1.0 / 3, Hit5: 2.0 / 3, Hit10: 2.0 / 3, MRR: (1 + 0.25) / 3, N: 3}
	if !same(lex.Overall, want) {
		t.Errorf("lexical %+v, want %+v", lex.Overall, want)
	}
	if got := lex.ByType["cross-lingual"]; got.N != 1 || got.Hit10 != 0 {
		t.Errorf("lexical cross-lingual %+v", got)
	}
	hyb, _ := rep.Method(retrieve.ModeHybrid)
	want = eval.Metrics{Hit1: 0, Hit3: 1.0 / 3, Hit5: 1.0 / 3, Hit10: 1.0 / 3, MRR: 0.5 / 3, N: 3}
	if !same(hyb.Overall, want) {
		t.Errorf("hybrid %+v, want %+v", hyb.Overall, want)
	}
	if len(rep.Questions) != 3 || rep.Questions[1].Rank[retrieve.ModeLexical] != 4 || rep.Questions[1].Rank[retrieve.ModeHybrid] != 0 {
		t.Errorf("per-question ranks %+v", rep.Questions)
	}

	var buf bytes.Buffer
	if err := rep.WriteTable(&buf); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"hit@5", "lexical", "hybrid", "cross-lingual", "0.667", "hybrid:b@0"} {
		if !strings.Contains(buf.String(), s) {
			t.Errorf("table lacks %q:\n%s", s, buf.String())
		}
	}
}

func same(a, b eval.Metrics) bool {
	eq := func(x, y float64) bool { return math.Abs(x-y) < 1e-9 }
	return a.N == b.N && eq(a.Hit1, b.Hit1) && eq(a.Hit3, b.Hit3) && eq(a.Hit5, b.Hit5) && eq(a.Hit10, b.Hit10) && eq(a.MRR, b.MRR)
}

func TestReportJSON(t *testing.T) {
	t.Parallel()
	qs := []eval.Question{{ID: "a", Type: "factual", Question: "qa", Answerable: true, File: "a.pdf", Pages: []int{1}}}
	f := fakeRetriever{noVector: true, passages: map[string]map[string][]retrieve.Passage{
		retrieve.ModeLexical: {"qa": {{SourceURI: "/a.pdf", PageStart: 1}}},
	}}
	rep, err := eval.Run(context.Background(), f, qs, eval.Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	lex := got["lexical"]
	for _, k := range []string{"hit@1", "hit@3", "hit@5", "hit@10", "mrr", "n", "by_type"} {
		if _, ok := lex[k]; !ok {
			t.Errorf("lexical lacks %q: %s", k, b)
		}
	}
	if lex["hit@1"] != 1.0 || lex["n"] != 1.0 {
		t.Errorf("lexical %v", lex)
	}
	for _, m := range []string{"vector", "hybrid"} {
		if s, _ := got[m]["skipped"].(string); !strings.Contains(s, "vector search unavailable") {
			t.Errorf("%s: want skipped with the reason: %s", m, b)
		}
	}
}

// The shared corpus is ingested once per test binary: it takes minutes.
var (
	corpusOnce  sync.Once
	corpusModel string
	corpusErr   error
)

// sharedCorpus ingests shared/data/docs into a collection of this
// package's own with the real ingest pipeline and returns the collection
// and the embedding model. Its name is fixed, so that on a database that
// keeps it, a second run finds every document unchanged and takes seconds.
//
// The embedding model is llama-2-tiny-random (8 dimensions): its vectors
// are as meaningless as stories260k's, and it embeds the corpus in about a
// minute and a half on two cores, where stories260k takes over twenty.
func sharedCorpus(t *testing.T, st *store.Store) (collection, model string) {
	t.Helper()
	collection = "eval-shared-corpus"
	docs := filepath.Join(sharedtest.DataDir(t), "docs")
	llm := ollamatest.Client(t)
	model = ollamatest.Model(t, llm, ollamatest.RandomFile)
	corpusOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
		defer cancel()
		start := time.Now()
		rep, err := ingest.New(st, llm, slog.New(slog.NewTextHandler(io.Discard, nil))).Run(ctx, ingest.Options{
			Roots: []string{docs}, Collection: collection, EmbedModel: model,
			Workers: 2, BatchSize: 32, Extract: extract.DefaultOptions(),
		})
		if err != nil {
			corpusErr = err
			return
		}
		if rep.Failed > 0 {
			corpusErr = fmt.Errorf("%d documents failed to ingest: %+v", rep.Failed, rep.Files)
			return
		}
		corpusModel = model
		t.Logf("ingested %s: %d added, %d unchanged, %d chunks in %s",
			docs, rep.Added, rep.Unchanged, rep.Chunks, time.Since(start).Round(time.Second))
	})
	if corpusErr != nil {
		t.Fatalf("ingest the shared corpus: %v", corpusErr)
	}
	return collection, corpusModel
}

// TestRetrievalQualityOnSharedCorpus runs the QA set against the shared
// documents. Lexical retrieval must match the baseline the project set
// itself (BM25 over pdftotext pages: hit@5 0.88, MRR 0.79). The test
// embedding model's vectors carry no meaning, so vector and hybrid figures
// are logged, not judged.
func TestRetrievalQualityOnSharedCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the shared-corpus evaluation (ingests for minutes)")
	}
	pool := dbtest.Migrated(t)
	st, err := store.New(pool)
	if err != nil {
		t.Fatal(err)
	}
	collection, model := sharedCorpus(t, st)
	qs, err := eval.LoadQuestions(filepath.Join(sharedtest.DataDir(t), "qa", "qa.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	r := retrieve.New(st, ollamatest.Client(t), retrieve.Config{EmbedModel: model}, nil)
	rep, err := eval.Run(context.Background(), r, qs, eval.Options{Collections: []string{collection}})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := rep.WriteTable(&buf); err != nil {
		t.Fatal(err)
	}
	t.Logf("retrieval on the shared corpus (k = %d, embeddings: %s):\n%s", rep.K, model, buf.String())

	for _, m := range eval.Methods {
		mr, ok := rep.Method(m)
		if !ok || mr.Skipped != "" {
			t.Errorf("%s: not run (%s)", m, mr.Skipped)
		}
		if mr.Overall.N != 34 {
			t.Errorf("%s: %d questions scored, want the 34 answerable", m, mr.Overall.N)
		}
	}
	lex, _ := rep.Method(retrieve.ModeLexical)
	if lex.Overall.Hit5 < 0.88 || lex.Overall.MRR < 0.79 {
		t.Errorf("lexical hit@5 %.3f, MRR %.3f: below the baseline (hit@5 0.88, MRR 0.79)", lex.Overall.Hit5, lex.Overall.MRR)
	}
}
