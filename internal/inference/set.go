package inference

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"path/filepath"
	"sync"

	"github.com/civitas-eu/civitas/internal/config"
	"github.com/civitas-eu/civitas/internal/ollama"
)

// ErrNotOllama is returned by the model installs (pull, import, remove)
// when no backend speaks Ollama's native API: an OpenAI-compatible server
// manages its models itself.
var ErrNotOllama = errors.New("installing and removing models works only with Ollama backends (--chat-backend/--embed-backend ollama); an OpenAI-compatible server manages its own models")

// Set is the chat and the embedding backend of one process. It gives the
// model service one object: chat calls go to ChatPool, embeddings to EmbedPool,
// and the model installs to every Ollama host of either.
type Set struct {
	ChatPool  *Pool
	EmbedPool *Pool
}

// New builds the backends of cfg: one host per URL of --chat-url and
// --embed-url (or --ollama-url), of the configured kind. With several
// hosts, an Ollama client does not retry a failed call itself: the pool
// retries it on another host at once.
func New(cfg config.Config, log *slog.Logger) *Set {
	return &Set{
		ChatPool:  newPool("chat", cfg.ChatBackend(), log),
		EmbedPool: newPool("embed", cfg.EmbedBackend(), log),
	}
}

func newPool(role string, b config.BackendConfig, log *slog.Logger) *Pool {
	backends := make([]Backend, 0, len(b.URLs))
	for _, u := range b.URLs {
		backends = append(backends, NewBackend(b.Kind, u, b.APIKey, len(b.URLs) > 1))
	}
	return NewPool(PoolConfig{Role: role, Kind: b.Kind}, log, backends...)
}

// NewBackend returns the client of one host of kind (KindOllama or
// KindOpenAI). failFast turns off an Ollama client's own retries, for a
// host that has others beside it.
func NewBackend(kind string, u *url.URL, apiKey string, failFast bool) Backend {
	if kind == KindOpenAI {
		return NewOpenAI(u, apiKey)
	}
	c := ollama.New(u, nil)
	if failFast {
		c.Retries = 0
	}
	return c
}

// Run health-checks both pools until ctx ends.
func (s *Set) Run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Go(func() { s.ChatPool.Run(ctx) })
	wg.Go(func() { s.EmbedPool.Run(ctx) })
	wg.Wait()
}

// States returns every host of both backends.
func (s *Set) States() []HostState {
	return append(s.ChatPool.States(), s.EmbedPool.States()...)
}

// URL names the chat hosts, then the embedding hosts when they differ.
func (s *Set) URL() string {
	c, e := s.ChatPool.URL(), s.EmbedPool.URL()
	if c == e {
		return c
	}
	return "chat " + c + "; embed " + e
}

// ChatStream streams from the chat backend.
func (s *Set) ChatStream(ctx context.Context, model string, messages []ollama.Message, opts ollama.ChatOptions, onToken func(string) error) (ollama.ChatStats, error) {
	return s.ChatPool.ChatStream(ctx, model, messages, opts, onToken)
}

// Embed embeds with the embedding backend.
func (s *Set) Embed(ctx context.Context, model string, texts []string) ([][]float32, error) {
	return s.EmbedPool.Embed(ctx, model, texts)
}

// EmbeddingDimensions asks the embedding backend.
func (s *Set) EmbeddingDimensions(ctx context.Context, model string) (int, error) {
	return s.EmbedPool.EmbeddingDimensions(ctx, model)
}

// Show returns the model's details from the chat backend, or from the
// embedding backend when the chat backend lacks it or does not answer.
func (s *Set) Show(ctx context.Context, model string) (ollama.ModelInfo, error) {
	info, err := s.ChatPool.Show(ctx, model)
	if err == nil || s.EmbedPool == s.ChatPool || ctx.Err() != nil {
		return info, err
	}
	if info, err2 := s.EmbedPool.Show(ctx, model); err2 == nil {
		return info, nil
	}
	return info, err
}

// ShowChat asks the chat backend only, for readiness.
func (s *Set) ShowChat(ctx context.Context, model string) (ollama.ModelInfo, error) {
	return s.ChatPool.Show(ctx, model)
}

// ShowEmbed asks the embedding backend only, for readiness.
func (s *Set) ShowEmbed(ctx context.Context, model string) (ollama.ModelInfo, error) {
	return s.EmbedPool.Show(ctx, model)
}

// List returns the models of both backends, each name once.
func (s *Set) List(ctx context.Context) ([]ollama.Installed, error) {
	chat, err := s.ChatPool.List(ctx)
	if err != nil {
		return nil, err
	}
	embed, err := s.EmbedPool.List(ctx)
	if err != nil {
		return chat, nil // the chat models are still worth listing
	}
	seen := map[string]bool{}
	for _, m := range chat {
		seen[m.Name] = true
	}
	for _, m := range embed {
		if !seen[m.Name] {
			chat = append(chat, m)
		}
	}
	return chat, nil
}

// ollamaHosts are the distinct native Ollama clients of both backends.
func (s *Set) ollamaHosts() ([]*ollama.Client, error) {
	var out []*ollama.Client
	seen := map[string]bool{}
	for _, b := range append(s.ChatPool.Backends(), s.EmbedPool.Backends()...) {
		if c, ok := b.(*ollama.Client); ok && !seen[c.URL()] {
			seen[c.URL()] = true
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		return nil, ErrNotOllama
	}
	return out, nil
}

// CanInstall fails with ErrNotOllama when no backend is an Ollama server.
func (s *Set) CanInstall() error {
	_, err := s.ollamaHosts()
	return err
}

// Pull pulls model on every Ollama host, one after another; fn sees the
// progress of each.
func (s *Set) Pull(ctx context.Context, model string, fn func(ollama.Progress) error) error {
	return s.eachOllama(func(c *ollama.Client) error { return c.Pull(ctx, model, fn) })
}

// ImportGGUFWith imports a GGUF file on every Ollama host and returns the
// digest (the same on each: the digest is the file's).
func (s *Set) ImportGGUFWith(ctx context.Context, name, path string, o ollama.ImportOptions) (string, error) {
	var digest string
	err := s.eachOllama(func(c *ollama.Client) error {
		d, err := c.ImportGGUFWith(ctx, name, filepath.Clean(path), o)
		digest = d
		return err
	})
	return digest, err
}

// Delete removes model from every Ollama host; it fails with
// ollama.ErrModelNotFound only when no host had it.
func (s *Set) Delete(ctx context.Context, model string) error {
	hosts, err := s.ollamaHosts()
	if err != nil {
		return err
	}
	var errs []error
	found := false
	for _, c := range hosts {
		err := c.Delete(ctx, model)
		switch {
		case err == nil:
			found = true
		case errors.Is(err, ollama.ErrModelNotFound):
		default:
			errs = append(errs, err)
		}
	}
	if !found && len(errs) == 0 {
		return fmt.Errorf("delete %s: %w", model, ollama.ErrModelNotFound)
	}
	return errors.Join(errs...)
}

func (s *Set) eachOllama(fn func(*ollama.Client) error) error {
	hosts, err := s.ollamaHosts()
	if err != nil {
		return err
	}
	for _, c := range hosts {
		if err := fn(c); err != nil {
			return err
		}
	}
	return nil
}
