package eval_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"

	"github.com/civitas-eu/civitas/internal/dbtest"
	"github.com/civitas-eu/civitas/internal/eval"
	"github.com/civitas-eu/civitas/internal/ollama/ollamatest"
	"github.com/civitas-eu/civitas/internal/rerank"
	"github.com/civitas-eu/civitas/internal/rerank/reranktest"
	"github.com/civitas-eu/civitas/internal/retrieve"
	"github.com/civitas-eu/civitas/internal/sharedtest"
	"github.com/civitas-eu/civitas/internal/store"
)

// rerankingRetriever does what the answer service does with a reranker:
// it retrieves three times as many candidates as asked for and lets the
// reranker choose and order the best k of them.
type rerankingRetriever struct {
	r  eval.Retriever
	rr *rerank.Client
	// seen is called with the candidates before reranking, so the
	// scripted scorer can know which of them hold the answer.
	seen func(question string, ps []retrieve.Passage)
}

func (x rerankingRetriever) Retrieve(ctx context.Context, q retrieve.Query) (retrieve.Result, error) {
	q.K *= 3
	res, err := x.r.Retrieve(ctx, q)
	if err != nil || len(res.Passages) == 0 {
		return res, err
	}
	x.seen(q.Text, res.Passages)
	res.Passages, err = x.rr.Rerank(ctx, q.Text, res.Passages)
	return res, err
}

// TestRerankingByGoldScorerRaisesMRR runs the QA set's lexical retrieval
// on the shared corpus twice: as fused, and reranked through the /rerank
// client by an in-test server whose scripted scorer favours the passages
// that hold the gold answer (no reranking model runs here). The gold
// passage must move up: MRR and hit@1 rise, hit@10 does not fall. This
// proves the plumbing end to end (candidates, request, reply, reorder, cut
// to k), not the quality of any real reranker.
func TestRerankingByGoldScorerRaisesMRR(t *testing.T) {
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
	byText := map[string]eval.Question{}
	for _, q := range qs {
		byText[q.Question] = q
	}
	var (
		mu   sync.Mutex
		gold = map[string]map[string]bool{} // question → texts of the candidates that hold its answer
	)
	srv := reranktest.Start(t, rerank.KindTEI, func(query, text string) float64 {
		mu.Lock()
		defer mu.Unlock()
		if gold[query][text] {
			return 1
		}
		return 0
	})
	rr, err := rerank.New(rerank.Config{URL: srv.URL, Kind: rerank.KindTEI, TopN: 10})
	if err != nil {
		t.Fatal(err)
	}
	base := retrieve.New(st, ollamatest.Client(t), retrieve.Config{EmbedModel: model}, nil)
	reranked := rerankingRetriever{r: base, rr: rr, seen: func(question string, ps []retrieve.Passage) {
		q := byText[question]
		texts := map[string]bool{}
		for _, p := range ps {
			if eval.Hit(q, p) {
				texts[p.Text] = true
			}
		}
		mu.Lock()
		gold[question] = texts
		mu.Unlock()
	}}
	opts := eval.Options{Collections: []string{collection}, Methods: []string{retrieve.ModeLexical}, K: 10}
	before, err := eval.Run(context.Background(), base, qs, opts)
	if err != nil {
		t.Fatal(err)
	}
	after, err := eval.Run(context.Background(), reranked, qs, opts)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := before.Method(retrieve.ModeLexical)
	a, _ := after.Method(retrieve.ModeLexical)
	t.Logf("lexical, k = 10, %d questions: fused MRR %.3f hit@1 %.3f hit@10 %.3f; reranked (gold scorer, 30 candidates, %d calls) MRR %.3f hit@1 %.3f hit@10 %.3f",
		b.Overall.N, b.Overall.MRR, b.Overall.Hit1, b.Overall.Hit10, srv.Calls.Load(), a.Overall.MRR, a.Overall.Hit1, a.Overall.Hit10)
	if srv.Calls.Load() == 0 {
		t.Fatal("the reranker was never called")
	}
	if a.Overall.MRR <= b.Overall.MRR || a.Overall.Hit1 <= b.Overall.Hit1 || a.Overall.Hit10 < b.Overall.Hit10 {
		t.Errorf("reranking by a gold scorer did not move the gold passage up")
	}
	// Every question whose gold was among the candidates now has it first.
	for i, qr := range after.Questions {
		if r := before.Questions[i].Rank[retrieve.ModeLexical]; r > 0 && qr.Rank[retrieve.ModeLexical] != 1 {
			t.Errorf("%s: gold at %d fused, at %d reranked; want 1", qr.ID, r, qr.Rank[retrieve.ModeLexical])
		}
	}
}
