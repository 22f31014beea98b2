package sources

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/civitas-eu/civitas/internal/egress"
)

// WebConfig configures a website source: a sitemap, or a start page and
// the depth of links followed from it on the same host.
type WebConfig struct {
	// URL is a sitemap (a sitemap or a sitemap index, recognised by a
	// path ending in .xml) or a start page.
	URL string `json:"url"`
	// MaxDepth is how many links deep pages are followed from the start
	// page (or from the sitemap's pages): 0 fetches only those. Documents
	// (PDF, DOCX, ODT) linked from a fetched page are always taken.
	MaxDepth int `json:"max_depth"`
	// MaxPages bounds the pages fetched per listing (default 500).
	MaxPages int `json:"max_pages"`
	// MaxDocuments bounds the linked documents per listing (default 5000).
	MaxDocuments int `json:"max_documents"`
	// MaxBytes bounds every response body (default 64 MiB).
	MaxBytes int64 `json:"max_bytes"`
	// Timeout bounds every request, body included (default 60s).
	Timeout time.Duration `json:"timeout"`
	// Concurrency is the number of requests in flight (default 2, at most 8):
	// a city's web server is not ours to load.
	Concurrency int `json:"concurrency"`
	// UserAgent is sent with every request; its first word is the token
	// robots.txt groups are matched against (default "Civitas").
	UserAgent string `json:"user_agent"`
	// AllowRemote lets this source reach hosts outside the local and
	// private networks: the explicit per-source opt-in of the egress guard.
	AllowRemote bool `json:"allow_remote"`
	// Egress is the deployment's guard (its allowed host names and
	// resolver); AllowRemote above is added to it.
	Egress egress.Guard `json:"-"`
}

const (
	defaultUserAgent = "Civitas/1.0 (+https://github.com/civitas-eu/civitas)"
	maxPagesLimit    = 100_000
	maxDepthLimit    = 20
	// pageCacheBytes bounds the pages kept from List for Open, which
	// would otherwise fetch each page a second time.
	pageCacheBytes = 64 << 20
)

// Web lists the pages of a website and the documents they link.
type Web struct {
	cfg   WebConfig
	start *url.URL
	f     *fetcher

	mu       sync.Mutex
	failures []Failure
	cache    map[string][]byte
	cached   int
}

var (
	_ Lister          = (*Web)(nil)
	_ FailureReporter = (*Web)(nil)
)

// NewWeb checks cfg, fills in its defaults and returns the source. hc may
// be nil; its transport is cloned to dial through the egress guard.
func NewWeb(cfg WebConfig, hc *http.Client) (*Web, error) {
	u, err := checkSourceURL(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("web source: %w", err)
	}
	if err := checkRange("max_depth", int64(cfg.MaxDepth), 0, maxDepthLimit); err != nil {
		return nil, fmt.Errorf("web source: %w", err)
	}
	for _, c := range []struct {
		name string
		v    *int
		def  int
		max  int
	}{{"max_pages", &cfg.MaxPages, 500, maxPagesLimit}, {"max_documents", &cfg.MaxDocuments, 5000, maxPagesLimit}, {"concurrency", &cfg.Concurrency, 2, 8}} {
		if *c.v == 0 {
			*c.v = c.def
		}
		if err := checkRange(c.name, int64(*c.v), 1, int64(c.max)); err != nil {
			return nil, fmt.Errorf("web source: %w", err)
		}
	}
	if err := defaultLimits(&cfg.MaxBytes, &cfg.Timeout); err != nil {
		return nil, fmt.Errorf("web source: %w", err)
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = defaultUserAgent
	}
	g := cfg.Egress
	g.AllowRemote = g.AllowRemote || cfg.AllowRemote
	f, err := newFetcher(hc, g, cfg.UserAgent, cfg.Timeout, cfg.MaxBytes)
	if err != nil {
		return nil, fmt.Errorf("web source: %w", err)
	}
	return &Web{cfg: cfg, start: u, f: f}, nil
}

// checkSourceURL accepts an absolute http(s) URL without credentials,
// which belong in the source's secret, never in its stored settings.
func checkSourceURL(raw string) (*url.URL, error) {
	if raw == "" {
		return nil, fmt.Errorf("url: required")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("url: %v", err)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("url: %q is not an http or https URL", u.Redacted())
	case u.Host == "":
		return nil, fmt.Errorf("url: %q has no host", u.Redacted())
	case u.User != nil:
		return nil, fmt.Errorf("url: must not carry a user name or password")
	}
	u.Fragment = ""
	return u, nil
}

func checkRange(name string, v, lo, hi int64) error {
	if v < lo || v > hi {
		return fmt.Errorf("%s: %d is out of range %d–%d", name, v, lo, hi)
	}
	return nil
}

func defaultLimits(maxBytes *int64, timeout *time.Duration) error {
	if *maxBytes == 0 {
		*maxBytes = 64 << 20
	}
	if err := checkRange("max_bytes", *maxBytes, 1024, 4<<30); err != nil {
		return err
	}
	if *timeout == 0 {
		*timeout = 60 * time.Second
	}
	if *timeout < time.Second || *timeout > time.Hour {
		return fmt.Errorf("timeout: %s is out of range 1s–1h", *timeout)
	}
	return nil
}

// List crawls the site. See FailureReporter for what its errors mean.
func (w *Web) List(ctx context.Context) ([]Entry, error) {
	w.mu.Lock()
	w.failures, w.cache, w.cached = nil, map[string][]byte{}, 0
	w.mu.Unlock()
	c := &crawl{w: w, seen: map[string]bool{}, docs: map[string]string{}}
	entries, err := c.run(ctx)
	w.mu.Lock()
	w.failures = c.failures
	w.mu.Unlock()
	return entries, err
}

// Failures returns the entries the last List could not read.
func (w *Web) Failures() []Failure {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]Failure(nil), w.failures...)
}

// Open returns a page kept from the listing, or fetches the entry.
func (w *Web) Open(ctx context.Context, e Entry) (io.ReadCloser, error) {
	w.mu.Lock()
	data, ok := w.cache[e.Key]
	if ok {
		delete(w.cache, e.Key)
		w.cached -= len(data)
	}
	w.mu.Unlock()
	if ok {
		return io.NopCloser(bytes.NewReader(data)), nil
	}
	u, err := url.Parse(e.Key)
	if err != nil || !w.sameHost(u) {
		return nil, fmt.Errorf("web source: %q is not on %s", e.Key, w.start.Host)
	}
	resp, err := w.f.do(ctx, http.MethodGet, e.Key, "")
	if err != nil {
		return nil, fmt.Errorf("web source: %w", err)
	}
	return resp.Body, nil
}

func (w *Web) keep(key string, data []byte) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.cached+len(data) <= pageCacheBytes {
		w.cache[key] = data
		w.cached += len(data)
	}
}

func (w *Web) sameHost(u *url.URL) bool {
	return (u.Scheme == "http" || u.Scheme == "https") && strings.EqualFold(u.Host, w.start.Host)
}

// agentToken is the product token robots.txt groups name.
func (w *Web) agentToken() string {
	tok, _, _ := strings.Cut(w.cfg.UserAgent, "/")
	tok, _, _ = strings.Cut(tok, " ")
	return tok
}
