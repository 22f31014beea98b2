// Package rerank is a client for the /rerank contract that the common
// inference servers share: a query and candidate texts go in, a relevance
// score per text comes out. Two dialects exist:
//
//   - KindTEI, Hugging Face text-embeddings-inference: POST /rerank with
//     {"query", "texts"}, answering [{"index", "score"}].
//   - KindV1, vLLM and llama.cpp's server (the Jina/Cohere shape): POST
//     /v1/rerank with {"model", "query", "documents", "top_n"}, answering
//     {"results": [{"index", "relevance_score"}]}.
//
// A Client implements retrieve.Reranker: it reorders the fused passages
// by the reranker's scores, best first, and keeps the best TopN. It never
// invents a passage: an answer naming an index out of range, twice, or
// with a score that is not a number is an error, and so the caller keeps
// its own order (internal/answer degrades to the fused order).
package rerank

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/civitas-eu/civitas/internal/retrieve"
)

// Kinds of reranking servers.
const (
	KindTEI = "tei" // text-embeddings-inference: POST /rerank
	KindV1  = "v1"  // vLLM, llama.cpp server: POST /v1/rerank
)

// maxResponse bounds a reranker's reply: scores of a few dozen passages
// take a few kilobytes.
const maxResponse = 4 << 20

// Config tunes a Client. URL is required; the zero value of every other
// field means its default.
type Config struct {
	// URL is the server's base URL (http://host:port); the contract's path
	// is appended unless the URL already ends with it.
	URL *url.URL
	// Kind is KindTEI (default) or KindV1.
	Kind string
	// Model names the reranking model (KindV1 servers may serve several);
	// TEI serves one and ignores it.
	Model string
	// TopN is how many passages Rerank keeps; default 8.
	TopN int
	// APIKey, when set, is sent as a bearer token.
	APIKey string
	// Timeout bounds one call; default 15s. A reranker is a fast
	// cross-encoder: waiting longer only delays the answer it serves.
	Timeout time.Duration
	// HTTPClient defaults to a client of its own.
	HTTPClient *http.Client
}

// Client calls one reranking server. It is safe for concurrent use.
type Client struct {
	cfg      Config
	endpoint string
	hc       *http.Client
	duration prometheus.Histogram
	failures prometheus.Counter
}

var _ retrieve.Reranker = (*Client)(nil)

// New returns a Client, or an error naming what is wrong with cfg.
func New(cfg Config) (*Client, error) {
	if cfg.URL == nil || cfg.URL.Host == "" || (cfg.URL.Scheme != "http" && cfg.URL.Scheme != "https") {
		return nil, errors.New("rerank: the URL must be http(s)://host[:port]")
	}
	if cfg.Kind == "" {
		cfg.Kind = KindTEI
	}
	path := map[string]string{KindTEI: "/rerank", KindV1: "/v1/rerank"}[cfg.Kind]
	if path == "" {
		return nil, fmt.Errorf("rerank: unknown kind %q: want %s or %s", cfg.Kind, KindTEI, KindV1)
	}
	if cfg.TopN <= 0 {
		cfg.TopN = 8
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 15 * time.Second
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{}
	}
	u := *cfg.URL
	base := strings.TrimSuffix(u.Path, "/")
	if !strings.HasSuffix(base, path) {
		// A base URL naming /v1 already (as OpenAI-style URLs do) gets
		// only /rerank.
		base = strings.TrimSuffix(base, "/v1") + path
	}
	u.Path, u.RawPath = base, ""
	return &Client{
		cfg: cfg, endpoint: u.String(), hc: hc,
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "civitas_rerank_duration_seconds",
			Help:    "Time of calls to the reranker, failed ones included.",
			Buckets: []float64{0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15}}),
		failures: prometheus.NewCounter(prometheus.CounterOpts{Name: "civitas_rerank_failures_total",
			Help: "Reranker calls that failed; the answer then kept the fused order."}),
	}, nil
}

// Collectors are the client's Prometheus series, for the server's
// registry.
func (c *Client) Collectors() []prometheus.Collector {
	return []prometheus.Collector{c.duration, c.failures}
}

// Name says which reranker this is, for the answer record: the kind and
// the model, if any.
func (c *Client) Name() string {
	if c.cfg.Model == "" {
		return c.cfg.Kind
	}
	return c.cfg.Kind + ":" + c.cfg.Model
}

// Scored is a text's score; Index is its place in the texts given.
type Scored struct {
	Index int
	Score float64
}

// Score asks the server to score texts against query and returns the
// scores it gave, best first (a KindV1 server may return only the best
// TopN). It fails on a transport error, a status other than 200, or a
// reply that names an index out of range or twice or a score that is not
// a number.
func (c *Client) Score(ctx context.Context, query string, texts []string) (out []Scored, err error) {
	if len(texts) == 0 {
		return nil, nil
	}
	start := time.Now()
	defer func() {
		c.duration.Observe(time.Since(start).Seconds())
		if err != nil {
			c.failures.Inc()
		}
	}()
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	var body any
	if c.cfg.Kind == KindTEI {
		body = teiRequest{Query: query, Texts: texts, Truncate: true}
	} else {
		body = v1Request{Model: c.cfg.Model, Query: query, Documents: texts, TopN: min(c.cfg.TopN, len(texts))}
	}
	b, err := json.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("rerank: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("rerank: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	if c.cfg.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.cfg.APIKey)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("rerank: %w", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	switch {
	case err != nil:
		return nil, fmt.Errorf("rerank: read reply: %w", err)
	case resp.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("rerank: %s answered %s: %.200s", c.endpoint, resp.Status, raw)
	case len(raw) > maxResponse:
		return nil, fmt.Errorf("rerank: reply larger than %d bytes", maxResponse)
	}
	if out, err = c.decode(raw); err != nil {
		return nil, err
	}
	return out, check(out, len(texts))
}

// decode reads either dialect's reply.
func (c *Client) decode(raw []byte) ([]Scored, error) {
	var out []Scored
	if c.cfg.Kind == KindTEI {
		var r []teiResult
		if err := json.Unmarshal(raw, &r); err != nil {
			return nil, fmt.Errorf("rerank: reply is not a list of {index, score}: %w", err)
		}
		for _, x := range r {
			out = append(out, Scored(x))
		}
	} else {
		var r v1Response
		if err := json.Unmarshal(raw, &r); err != nil {
			return nil, fmt.Errorf("rerank: reply is not {results: [{index, relevance_score}]}: %w", err)
		}
		for _, x := range r.Results {
			out = append(out, Scored{Index: x.Index, Score: x.RelevanceScore})
		}
	}
	// Best first, ties in the order given (the fused order).
	slices.SortStableFunc(out, func(a, b Scored) int {
		return cmp.Or(cmp.Compare(b.Score, a.Score), cmp.Compare(a.Index, b.Index))
	})
	return out, nil
}

// check refuses a reply that could make the caller invent or repeat a
// passage.
func check(out []Scored, n int) error {
	seen := make([]bool, n)
	for _, s := range out {
		switch {
		case s.Index < 0 || s.Index >= n:
			return fmt.Errorf("rerank: reply names text %d of %d", s.Index, n)
		case seen[s.Index]:
			return fmt.Errorf("rerank: reply names text %d twice", s.Index)
		case math.IsNaN(s.Score) || math.IsInf(s.Score, 0):
			return fmt.Errorf("rerank: reply scores text %d %v", s.Index, s.Score)
		}
		seen[s.Index] = true
	}
	return nil
}

// Rerank reorders passages by the reranker's scores, best first, and
// keeps the best TopN; each passage's Score becomes the reranker's. On
// error it returns the error and no passages: the caller decides whether
// to keep its own order.
func (c *Client) Rerank(ctx context.Context, question string, passages []retrieve.Passage) ([]retrieve.Passage, error) {
	texts := make([]string, len(passages))
	for i, p := range passages {
		texts[i] = p.Text
	}
	scored, err := c.Score(ctx, question, texts)
	if err != nil {
		return nil, err
	}
	out := make([]retrieve.Passage, 0, min(c.cfg.TopN, len(scored)))
	for _, s := range scored[:min(c.cfg.TopN, len(scored))] {
		p := passages[s.Index]
		p.Score = s.Score
		out = append(out, p)
	}
	return out, nil
}

type teiRequest struct {
	Query    string   `json:"query"`
	Texts    []string `json:"texts"`
	Truncate bool     `json:"truncate"` // cut texts longer than the model's window instead of failing
}

type teiResult struct {
	Index int     `json:"index"`
	Score float64 `json:"score"`
}

type v1Request struct {
	Model     string   `json:"model,omitempty"`
	Query     string   `json:"query"`
	Documents []string `json:"documents"`
	TopN      int      `json:"top_n"`
}

type v1Response struct {
	Results []struct {
		Index          int     `json:"index"`
		RelevanceScore float64 `json:"relevance_score"`
	} `json:"results"`
}
