package answer

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/civitas-eu/civitas/internal/ollama"
	"github.com/civitas-eu/civitas/internal/retrieve"
)

// Retriever finds the passages that best answer a question;
// *retrieve.Retriever implements it. It must enforce q.Groups (access
// control) itself, and returns an error only when retrieval failed, never
// for "nothing found" (an empty Result).
type Retriever interface {
	Retrieve(ctx context.Context, q retrieve.Query) (retrieve.Result, error)
}

var _ Retriever = (*retrieve.Retriever)(nil)

// Generator is the chat model server; *ollama.Client implements it.
// ChatStream calls onToken for each piece of text, stops when onToken
// returns an error or ctx is cancelled, and fails with an error wrapping
// ollama.ErrModelNotFound when the model is not installed or
// ollama.ErrUnavailable when the server cannot be reached. On success it
// returns the stats of the stream's final frame: a nil error with zero
// ChatStats is taken for a stream that broke off. Show fails the same way
// as ChatStream.
type Generator interface {
	ChatStream(ctx context.Context, model string, messages []ollama.Message, opts ollama.ChatOptions, onToken func(string) error) (ollama.ChatStats, error)
	Show(ctx context.Context, model string) (ollama.ModelInfo, error)
}

var _ Generator = (*ollama.Client)(nil)

// DocumentSource gives the whole text of a document, for requests scoped
// to a few documents ("chat with these files"). DocumentChunks returns
// the document's chunks (in any order; they are sorted by Ordinal) only
// when a caller in groups may see it, and an error otherwise, as when it
// does not exist: the Service then falls back to retrieval, which
// enforces access control in SQL.
type DocumentSource interface {
	DocumentChunks(ctx context.Context, docID int64, groups []string) ([]retrieve.Passage, error)
}

// Models names the chat and embedding models in force; *modeladmin.Active
// implements it. ActiveModels must be cheap (it is called once per
// answer) and never fail: it returns the last models it knew. An empty
// embed name means the retriever's own default.
type Models interface {
	ActiveModels() (chat, embed string)
}

// probeFor returns the cached probe of a chat model, creating it on first
// use: with models switched at runtime there is one per model.
func (s *Service) probeFor(model string) *modelProbe {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.probes[model]
	if !ok {
		p = &modelProbe{gen: s.gen, model: model, ttl: s.cfg.ModelTTL}
		s.probes[model] = p
	}
	return p
}

// degraded reports whether err means the chat model cannot be used at all:
// not installed, or its server unreachable.
func degraded(err error) bool {
	return errors.Is(err, ollama.ErrModelNotFound) || errors.Is(err, ollama.ErrUnavailable)
}

// modelProbe caches what Show says of the chat model, and whether it is
// usable, for a short while: long enough that answers do not each pay
// for a Show, short enough that a model change or a restarted server is
// noticed within ttl.
type modelProbe struct {
	gen   Generator
	model string
	ttl   time.Duration

	mu   sync.Mutex
	info ollama.ModelInfo
	err  error // a degraded error, or nil
	at   time.Time
}

// get returns the model's details, or a degraded error when it cannot be
// used. Other failures (a cancelled context, a server error) are returned
// but not cached: the chat call itself will tell.
func (p *modelProbe) get(ctx context.Context) (ollama.ModelInfo, error) {
	p.mu.Lock()
	if !p.at.IsZero() && time.Since(p.at) < p.ttl {
		info, err := p.info, p.err
		p.mu.Unlock()
		return info, err
	}
	p.mu.Unlock()

	// Show runs outside the lock: on expiry, concurrent answers may each
	// probe once, which is harmless, rather than queue behind a slow one.
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	info, err := p.gen.Show(sctx, p.model)
	if err != nil && !degraded(err) {
		return ollama.ModelInfo{}, err
	}
	p.set(info, err)
	return info, err
}

// set records what the last probe, or the last chat call, found.
func (p *modelProbe) set(info ollama.ModelInfo, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.info, p.err, p.at = info, err, time.Now()
}
