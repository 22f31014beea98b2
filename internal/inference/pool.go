// Package inference spreads the assistant's model calls over the
// inference servers a site runs: separate backends for chat and for
// embeddings, each of one kind (Ollama's native API or any
// OpenAI-compatible server) and one or more hosts.
//
// A Pool holds the hosts of one backend. It routes each request to the
// healthy host with the fewest requests in flight, takes a host that fails
// to answer out of rotation and probes it again with a growing backoff, and
// retries the request on another host: a chat whose host dies before the
// first token is retried whole; once text has been streamed it cannot be,
// and the error is the caller's. Embedding requests are split over every
// healthy host at once, so a single ingest or re-embed keeps all of them
// busy. A Pool implements the interfaces its callers already use
// (answer.Generator, ingest.Embedder, retrieve's embedder), so they do not
// know how many servers stand behind it.
package inference

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/civitas-eu/civitas/internal/ollama"
)

// Kinds of backend.
const (
	KindOllama = "ollama" // Ollama's native API (internal/ollama)
	KindOpenAI = "openai" // an OpenAI-compatible server (OpenAI)
)

// Backend is one inference server; *ollama.Client and *OpenAI implement
// it. Every method fails with an error wrapping ollama.ErrUnavailable when
// the server cannot be reached or fails, and ollama.ErrModelNotFound when
// it lacks the model.
type Backend interface {
	ChatStream(ctx context.Context, model string, messages []ollama.Message, opts ollama.ChatOptions, onToken func(string) error) (ollama.ChatStats, error)
	Embed(ctx context.Context, model string, texts []string) ([][]float32, error)
	Show(ctx context.Context, model string) (ollama.ModelInfo, error)
	List(ctx context.Context) ([]ollama.Installed, error)
	Version(ctx context.Context) (string, error)
	URL() string
}

var (
	_ Backend = (*ollama.Client)(nil)
	_ Backend = (*OpenAI)(nil)
)

// HostState is one host as /readyz and the admin page report it.
type HostState struct {
	Role     string     `json:"role"` // chat or embed
	Kind     string     `json:"kind"`
	URL      string     `json:"url"`
	Up       bool       `json:"up"`
	InFlight int        `json:"in_flight"`
	Failures int        `json:"failures"` // consecutive, since it last answered
	Error    string     `json:"error,omitempty"`
	RetryAt  *time.Time `json:"retry_at,omitempty"` // next probe of a host that is down
}

// PoolConfig tunes a Pool; zero values mean the defaults.
type PoolConfig struct {
	Role string // "chat" or "embed", for messages
	Kind string
	// CheckEvery is how often Run probes every host; default 10s.
	CheckEvery time.Duration
	// BackoffMin and BackoffMax bound the wait before a failed host is
	// probed again; it doubles with each failure. Defaults 1s and 1m.
	BackoffMin, BackoffMax time.Duration
	// EmbedBatch is the most texts one host embeds in one request;
	// default 32.
	EmbedBatch int
}

// Pool routes the requests of one backend over its hosts.
type Pool struct {
	cfg   PoolConfig
	hosts []*host
	log   *slog.Logger
	next  atomic.Uint64 // where acquire starts looking: ties rotate
}

type host struct {
	b Backend

	mu       sync.Mutex
	up       bool
	inflight int
	failures int
	lastErr  string
	retryAt  time.Time
}

// NewPool returns a pool over backends, all taken to be up until one
// fails.
func NewPool(cfg PoolConfig, log *slog.Logger, backends ...Backend) *Pool {
	if cfg.CheckEvery <= 0 {
		cfg.CheckEvery = 10 * time.Second
	}
	if cfg.BackoffMin <= 0 {
		cfg.BackoffMin = time.Second
	}
	if cfg.BackoffMax < cfg.BackoffMin {
		cfg.BackoffMax = max(time.Minute, cfg.BackoffMin)
	}
	if cfg.EmbedBatch <= 0 {
		cfg.EmbedBatch = 32
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	p := &Pool{cfg: cfg, log: log}
	for _, b := range backends {
		p.hosts = append(p.hosts, &host{b: b, up: true})
	}
	return p
}

// Kind is the pool's kind of backend.
func (p *Pool) Kind() string { return p.cfg.Kind }

// Backends returns the pool's hosts' clients, in configured order.
func (p *Pool) Backends() []Backend {
	out := make([]Backend, len(p.hosts))
	for i, h := range p.hosts {
		out[i] = h.b
	}
	return out
}

// URL names the pool's hosts, for messages.
func (p *Pool) URL() string {
	s := ""
	for i, h := range p.hosts {
		if i > 0 {
			s += ","
		}
		s += h.b.URL()
	}
	return s
}

// States returns every host's state, in configured order.
func (p *Pool) States() []HostState {
	out := make([]HostState, 0, len(p.hosts))
	for _, h := range p.hosts {
		h.mu.Lock()
		st := HostState{Role: p.cfg.Role, Kind: p.cfg.Kind, URL: h.b.URL(), Up: h.up, InFlight: h.inflight, Failures: h.failures, Error: h.lastErr}
		if !h.up {
			t := h.retryAt
			st.RetryAt = &t
		}
		h.mu.Unlock()
		out = append(out, st)
	}
	return out
}

// healthy returns how many hosts are up.
func (p *Pool) healthy() int {
	n := 0
	for _, h := range p.hosts {
		h.mu.Lock()
		if h.up {
			n++
		}
		h.mu.Unlock()
	}
	return n
}

// acquire picks the host for one request among those not in tried: the
// up host with the fewest requests in flight, or, when none is up, the
// down host due soonest for a
// probe, so that a request still tries a host that may have come back. It
// counts the request in flight; release undoes that. nil: all tried.
// Ties go round-robin, so that idle hosts share sequential requests.
func (p *Pool) acquire(tried []*host) *host {
	var best *host
	bestUp, bestLoad, bestRetry := false, 0, time.Time{}
	start := int(p.next.Add(1) % uint64(max(len(p.hosts), 1)))
	for i := range p.hosts {
		h := p.hosts[(start+i)%len(p.hosts)]
		if slices.Contains(tried, h) {
			continue
		}
		h.mu.Lock()
		up, load, retry := h.up, h.inflight, h.retryAt
		h.mu.Unlock()
		better := best == nil ||
			(up && !bestUp) ||
			(up && bestUp && load < bestLoad) ||
			(!up && !bestUp && retry.Before(bestRetry))
		if better {
			best, bestUp, bestLoad, bestRetry = h, up, load, retry
		}
	}
	if best != nil {
		best.mu.Lock()
		best.inflight++
		best.mu.Unlock()
	}
	return best
}

func (p *Pool) release(h *host) {
	h.mu.Lock()
	h.inflight--
	h.mu.Unlock()
}

// fail takes h out of rotation after a failure that says it cannot serve,
// setting its next probe with exponential backoff.
func (p *Pool) fail(h *host, err error) {
	h.mu.Lock()
	wasUp := h.up
	h.up = false
	h.failures++
	wait := p.cfg.BackoffMin << min(h.failures-1, 16)
	if wait > p.cfg.BackoffMax || wait <= 0 {
		wait = p.cfg.BackoffMax
	}
	h.retryAt = time.Now().Add(wait)
	h.lastErr = err.Error()
	h.mu.Unlock()
	if wasUp {
		p.log.Warn("inference host taken out of rotation", "role", p.cfg.Role, "url", h.b.URL(), "retry_in", wait, "err", err)
	}
}

// succeed puts h back in rotation.
func (p *Pool) succeed(h *host) {
	h.mu.Lock()
	wasUp := h.up
	h.up, h.failures, h.lastErr, h.retryAt = true, 0, "", time.Time{}
	h.mu.Unlock()
	if !wasUp {
		p.log.Info("inference host back in rotation", "role", p.cfg.Role, "url", h.b.URL())
	}
}

// do runs fn on one host after another until one succeeds, fails with an
// error that another host would not change, or every host has been tried.
// A host that cannot be reached is taken out; a host that lacks the model
// is tried past but stays in. retryable, when set, may forbid a retry (a
// chat that has streamed text).
func (p *Pool) do(ctx context.Context, fn func(Backend) error, retryable func() bool) error {
	var tried []*host
	var errs []error
	for {
		h := p.acquire(tried)
		if h == nil {
			return errors.Join(errs...)
		}
		tried = append(tried, h)
		err := fn(h.b)
		p.release(h)
		switch {
		case err == nil:
			p.succeed(h)
			return nil
		case ctx.Err() != nil:
			return err // the caller left; not the host's fault
		case errors.Is(err, ollama.ErrUnavailable):
			p.fail(h, err)
		case errors.Is(err, ollama.ErrModelNotFound):
			p.succeed(h) // it answered
		default:
			return err
		}
		errs = append(errs, err)
		if retryable != nil && !retryable() {
			return err
		}
	}
}

// check probes one host and records the result.
func (p *Pool) check(ctx context.Context, h *host) {
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_, err := h.b.Version(cctx)
	switch {
	case err == nil:
		p.succeed(h)
	case ctx.Err() != nil:
	default:
		p.fail(h, err)
	}
}

// CheckNow probes the hosts that are up, and those down whose backoff has
// passed, concurrently, and returns when all have answered.
func (p *Pool) CheckNow(ctx context.Context) {
	var wg sync.WaitGroup
	now := time.Now()
	for _, h := range p.hosts {
		h.mu.Lock()
		due := h.up || !now.Before(h.retryAt)
		h.mu.Unlock()
		if due {
			wg.Go(func() { p.check(ctx, h) })
		}
	}
	wg.Wait()
}

// Run health-checks the hosts every CheckEvery until ctx ends; a host
// that was taken out rejoins when it answers its probe.
func (p *Pool) Run(ctx context.Context) {
	t := time.NewTicker(min(p.cfg.CheckEvery, p.cfg.BackoffMin))
	defer t.Stop()
	last := time.Time{}
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		// Hosts that are down are probed as soon as their backoff ends;
		// a full round of every host every CheckEvery.
		if time.Since(last) >= p.cfg.CheckEvery {
			last = time.Now()
			p.CheckNow(ctx)
			continue
		}
		now := time.Now()
		for _, h := range p.hosts {
			h.mu.Lock()
			due := !h.up && !now.Before(h.retryAt)
			h.mu.Unlock()
			if due {
				p.check(ctx, h)
			}
		}
	}
}
