// Package reranktest serves the /rerank contract in-process, with scores
// from a function of the test's choosing: no reranking model can run on
// the test machines, so the client and the plumbing around it are tested
// against this server, which checks each request's shape as TEI, vLLM and
// llama.cpp's server would.
package reranktest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sync/atomic"
	"testing"
)

// Scorer scores a text against a query; larger is more relevant.
type Scorer func(query, text string) float64

// Server is a running in-test reranker.
type Server struct {
	URL *url.URL
	// Calls counts the requests answered.
	Calls atomic.Int64
	// Fail, when set, makes every request answer 503.
	Fail atomic.Bool
	// Key, when set, is the bearer token every request must carry.
	Key string
}

// Start serves kind's dialect ("tei": POST /rerank {query, texts} →
// [{index, score}]; "v1": POST /v1/rerank {model, query, documents,
// top_n} → {results: [{index, relevance_score}]} cut to top_n) with
// scores from score, until the test ends. A malformed request is a 422, as
// the real servers answer it.
func Start(t testing.TB, kind string, score Scorer) *Server {
	t.Helper()
	s := &Server{}
	mux := http.NewServeMux()
	auth := func(w http.ResponseWriter, r *http.Request) bool {
		s.Calls.Add(1)
		if s.Fail.Load() {
			http.Error(w, "model overloaded", http.StatusServiceUnavailable)
			return false
		}
		if s.Key != "" && r.Header.Get("Authorization") != "Bearer "+s.Key {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return false
		}
		return true
	}
	type result struct {
		Index int     `json:"index"`
		Score float64 `json:"score"`
	}
	rank := func(query string, texts []string) []result {
		out := make([]result, len(texts))
		for i, text := range texts {
			out[i] = result{i, score(query, text)}
		}
		slices.SortStableFunc(out, func(a, b result) int {
			switch {
			case a.Score > b.Score:
				return -1
			case a.Score < b.Score:
				return 1
			}
			return 0
		})
		return out
	}
	switch kind {
	case "tei":
		mux.HandleFunc("POST /rerank", func(w http.ResponseWriter, r *http.Request) {
			if !auth(w, r) {
				return
			}
			var req struct {
				Query string   `json:"query"`
				Texts []string `json:"texts"`
			}
			if json.NewDecoder(r.Body).Decode(&req) != nil || req.Query == "" || len(req.Texts) == 0 {
				http.Error(w, `{"error":"query and texts required"}`, http.StatusUnprocessableEntity)
				return
			}
			_ = json.NewEncoder(w).Encode(rank(req.Query, req.Texts))
		})
	case "v1":
		mux.HandleFunc("POST /v1/rerank", func(w http.ResponseWriter, r *http.Request) {
			if !auth(w, r) {
				return
			}
			var req struct {
				Model     string   `json:"model"`
				Query     string   `json:"query"`
				Documents []string `json:"documents"`
				TopN      int      `json:"top_n"`
			}
			if json.NewDecoder(r.Body).Decode(&req) != nil || req.Query == "" || len(req.Documents) == 0 {
				http.Error(w, `{"error":"query and documents required"}`, http.StatusUnprocessableEntity)
				return
			}
			ranked := rank(req.Query, req.Documents)
			if req.TopN > 0 && req.TopN < len(ranked) {
				ranked = ranked[:req.TopN]
			}
			type v1 struct {
				Index int     `json:"index"`
				Score float64 `json:"relevance_score"`
			}
			out := struct {
				Model   string `json:"model"`
				Results []v1   `json:"results"`
			}{Model: req.Model, Results: []v1{}}
			for _, x := range ranked {
				out.Results = append(out.Results, v1(x))
			}
			_ = json.NewEncoder(w).Encode(out)
		})
	default:
		t.Fatalf("reranktest: unknown kind %q", kind)
	}
	hs := httptest.NewServer(mux)
	t.Cleanup(hs.Close)
	u, err := url.Parse(hs.URL)
	if err != nil {
		t.Fatal(err)
	}
	s.URL = u
	return s
}
