package rerank_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/civitas-eu/civitas/internal/rerank"
	"github.com/civitas-eu/civitas/internal/rerank/reranktest"
	"github.com/civitas-eu/civitas/internal/retrieve"
)

// favour scores a text 1 when it holds word, else 0.
func favour(word string) reranktest.Scorer {
	return func(_, text string) float64 {
		if strings.Contains(text, word) {
			return 1
		}
		return 0
	}
}

func passages(texts ...string) []retrieve.Passage {
	out := make([]retrieve.Passage, len(texts))
	for i, t := range texts {
		out[i] = retrieve.Passage{ChunkID: int64(i + 1), Text: t, Score: float64(len(texts) - i)}
	}
	return out
}

// TestRerankBothDialectsMoveTheFavouredPassageUp runs the client against
// an in-test server of each dialect (no reranking model can run here):
// the passage the scorer favours comes first, the rest keep the fused
// order, and only TopN remain.
func TestRerankBothDialectsMoveTheFavouredPassageUp(t *testing.T) {
	t.Parallel()
	for _, kind := range []string{rerank.KindTEI, rerank.KindV1} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			srv := reranktest.Start(t, kind, favour("gold"))
			srv.Key = "s3cret"
			c, err := rerank.New(rerank.Config{URL: srv.URL, Kind: kind, Model: "bge-reranker", TopN: 3, APIKey: "s3cret"})
			if err != nil {
				t.Fatal(err)
			}
			got, err := c.Rerank(context.Background(), "which?", passages("a", "b", "c", "the gold one", "e"))
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for _, p := range got {
				ids = append(ids, p.ChunkID)
			}
			if len(ids) != 3 || ids[0] != 4 || ids[1] != 1 || ids[2] != 2 {
				t.Errorf("chunks %v, want [4 1 2]", ids)
			}
			if got[0].Score != 1 {
				t.Errorf("score %v, want the reranker's 1", got[0].Score)
			}
		})
	}
}

// TestRerankRefusesRepliesThatInventPassages checks that a reply naming a
// text out of range or twice, or a failing server, is an error (the
// answer then keeps the fused order) and never a passage.
func TestRerankRefusesRepliesThatInventPassages(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, reply string
		status      int
	}{
		{"index out of range", `[{"index":7,"score":1}]`, 200},
		{"index twice", `[{"index":0,"score":1},{"index":0,"score":0.5}]`, 200},
		{"not the contract", `{"error":"x"}`, 200},
		{"server error", `overloaded`, 503},
		{"bad request", `{"error":"texts required"}`, 422},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.reply))
			}))
			t.Cleanup(hs.Close)
			u, _ := url.Parse(hs.URL)
			c, err := rerank.New(rerank.Config{URL: u})
			if err != nil {
				t.Fatal(err)
			}
			got, err := c.Rerank(context.Background(), "q", passages("a", "b"))
			if err == nil || got != nil {
				t.Errorf("got %v, %v; want an error and no passages", got, err)
			}
		})
	}
}

func TestNewChecksConfig(t *testing.T) {
	t.Parallel()
	u, _ := url.Parse("http://127.0.0.1:8080/v1")
	for _, tc := range []struct {
		name string
		cfg  rerank.Config
	}{
		{"no URL", rerank.Config{}},
		{"unknown kind", rerank.Config{URL: u, Kind: "cohere"}},
		{"not http", rerank.Config{URL: &url.URL{Scheme: "ftp", Host: "x"}}},
	} {
		if _, err := rerank.New(tc.cfg); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}
