package answer_test

import (
	"context"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/civitas-eu/civitas/internal/answer"
	"github.com/civitas-eu/civitas/internal/rerank"
	"github.com/civitas-eu/civitas/internal/rerank/reranktest"
	"github.com/civitas-eu/civitas/internal/retrieve"
)

// goldFirst scores the passages that mention "gold" above the rest.
func goldFirst(_, text string) float64 {
	if strings.Contains(text, "gold") {
		return 0.9
	}
	return 0.1
}

// rerankFailures reads the reranker's failure counter.
func rerankFailures(t *testing.T, c *rerank.Client) float64 {
	t.Helper()
	reg := prometheus.NewRegistry()
	reg.MustRegister(c.Collectors()...)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == "civitas_rerank_failures_total" {
			return mf.GetMetric()[0].GetCounter().GetValue()
		}
	}
	t.Fatal("no civitas_rerank_failures_total")
	return 0
}

// TestRerankerOrdersSourcesBeforePacking reranks over an in-test server
// of the /rerank contract (no reranking model runs here): retrieval is
// asked for the candidates, the favoured passage becomes source 1, only
// the reranker's top n are packed, and the Done names the reranker and
// its time.
func TestRerankerOrdersSourcesBeforePacking(t *testing.T) {
	t.Parallel()
	srv := reranktest.Start(t, rerank.KindV1, goldFirst)
	rr, err := rerank.New(rerank.Config{URL: srv.URL, Kind: rerank.KindV1, Model: "bge-reranker-v2-m3", TopN: 2})
	if err != nil {
		t.Fatal(err)
	}
	r, queries := fixed(passage(1, 1, "The office opens at eight."), passage(2, 2, "Parking is free."),
		passage(3, 3, "The gold answer: the fee is 30 euros."))
	s := newService(t, answer.Config{K: 4, Reranker: rr}, r, newScripted("It costs 30 euros [1]."), nil)
	rec := &recorder{}
	d, err := s.Answer(context.Background(), answer.Request{Question: "What is the fee?", Language: "en"}, rec.emit)
	if err != nil {
		t.Fatal(err)
	}
	if got := (*queries)[0].K; got != 12 {
		t.Errorf("retrieval asked for %d passages, want the 3×K = 12 candidates", got)
	}
	src := rec.sources(t)
	if len(src) != 2 || src[0].ChunkID != 303 || src[1].ChunkID != 101 {
		t.Fatalf("sources %+v, want the gold chunk 303 first, then 101, and no more", src)
	}
	if d.Reranker != "v1:bge-reranker-v2-m3" || d.Timings.Rerank <= 0 {
		t.Errorf("reranker %q in %v", d.Reranker, d.Timings.Rerank)
	}
	if len(d.RetrievedChunkIDs) != 2 || d.RetrievedChunkIDs[0] != 303 {
		t.Errorf("retrieved %v, want the reranked order", d.RetrievedChunkIDs)
	}
	if len(d.Citations) != 1 || d.Citations[0].ChunkID != 303 {
		t.Errorf("citations %+v", d.Citations)
	}
}

// TestRerankerFailureKeepsFusedOrder makes the reranker answer 503: the
// answer still comes, from the fused order cut to K, without a reranker
// named, and the failure is counted.
func TestRerankerFailureKeepsFusedOrder(t *testing.T) {
	t.Parallel()
	srv := reranktest.Start(t, rerank.KindTEI, goldFirst)
	srv.Fail.Store(true)
	rr, err := rerank.New(rerank.Config{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	var ps []retrieve.Passage
	for i := 1; i <= 6; i++ {
		ps = append(ps, passage(int64(i), i, "Some passage about fees."))
	}
	r, _ := fixed(ps...)
	s := newService(t, answer.Config{K: 3, Reranker: rr}, r, newScripted("Fees [1]."), nil)
	rec := &recorder{}
	d, err := s.Answer(context.Background(), answer.Request{Question: "What is the fee?", Language: "en"}, rec.emit)
	if err != nil {
		t.Fatalf("a failing reranker failed the answer: %v", err)
	}
	if d.Mode != answer.ModeAnswer || d.Reranker != "" {
		t.Errorf("mode %q, reranker %q", d.Mode, d.Reranker)
	}
	src := rec.sources(t)
	if len(src) != 3 || src[0].ChunkID != 101 || src[2].ChunkID != 303 {
		t.Errorf("sources %+v, want the fused first three", src)
	}
	if srv.Calls.Load() != 1 || rerankFailures(t, rr) != 1 {
		t.Errorf("%d calls, %v failures counted; want 1 and 1", srv.Calls.Load(), rerankFailures(t, rr))
	}
}
