// Package ollama talks to a self-hosted Ollama server through its official
// Go client (github.com/ollama/ollama/api): batched embeddings, streamed
// chat, model details and GGUF import.
//
// Embeddings go through the batch endpoint /api/embed, many texts per
// request, rather than langchaingo's Ollama embedder, which sends one HTTP
// request per text: on a CPU-only city server the per-request overhead of
// that approach dominates ingest time.
package ollama

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/ollama/ollama/api"
)

// Client is a thin, typed wrapper around api.Client that adds batching,
// retries on transient failures and errors that say what to do.
type Client struct {
	api  *api.Client
	base *url.URL

	// EmbedBatch is the most texts sent in one /api/embed request.
	EmbedBatch int
	// Retries is how often a transient failure is retried.
	Retries int
	// Backoff is the first wait between retries; it doubles each time.
	Backoff time.Duration
}

// New returns a client for the Ollama server at base. hc may be nil, in
// which case a client without an overall timeout is used: chat streams are
// bounded by their context instead.
func New(base *url.URL, hc *http.Client) *Client {
	if hc == nil {
		hc = &http.Client{Transport: &http.Transport{
			Proxy:               nil, // Ollama is local: never route it through a proxy
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
			MaxIdleConnsPerHost: 16,
			IdleConnTimeout:     90 * time.Second,
		}}
	}
	return &Client{api: api.NewClient(base, hc), base: base, EmbedBatch: 32, Retries: 3, Backoff: 250 * time.Millisecond}
}

// URL is the server's base URL, for messages and status pages.
func (c *Client) URL() string { return c.base.String() }

// ErrModelNotFound is returned when the named model is not installed.
var ErrModelNotFound = errors.New("model not installed")

// ErrUnavailable is returned when the server cannot be reached.
var ErrUnavailable = errors.New("ollama server unavailable")

// Version returns the server's version; it fails with ErrUnavailable when
// the server does not answer.
func (c *Client) Version(ctx context.Context) (string, error) {
	v, err := c.api.Version(ctx)
	if err != nil {
		return "", c.wrap("version", "", err)
	}
	return v, nil
}

// ModelInfo describes an installed model.
type ModelInfo struct {
	Name          string
	Digest        string
	Family        string
	Parameters    string // e.g. "3.2B"
	Quantization  string // e.g. "Q4_K_M"
	ContextLength int    // 0 when the model does not say
	EmbeddingSize int    // the model's hidden size; embeddings may differ
}

// Show returns details of an installed model, or ErrModelNotFound.
func (c *Client) Show(ctx context.Context, model string) (ModelInfo, error) {
	resp, err := c.api.Show(ctx, &api.ShowRequest{Model: model})
	if err != nil {
		return ModelInfo{}, c.wrap("show", model, err)
	}
	info := ModelInfo{
		Name:         model,
		Family:       resp.Details.Family,
		Parameters:   resp.Details.ParameterSize,
		Quantization: resp.Details.QuantizationLevel,
	}
	for k, v := range resp.ModelInfo {
		f, ok := v.(float64)
		if !ok {
			continue
		}
		switch {
		case strings.HasSuffix(k, ".context_length"):
			info.ContextLength = int(f)
		case strings.HasSuffix(k, ".embedding_length"):
			info.EmbeddingSize = int(f)
		}
	}
	list, err := c.api.List(ctx)
	if err != nil {
		return ModelInfo{}, c.wrap("list", model, err)
	}
	for _, m := range list.Models {
		if CanonicalName(m.Name) == CanonicalName(model) {
			info.Digest = m.Digest
		}
	}
	return info, nil
}

// wrap turns an api error into one that names the operation, the model and
// the server, classified as ErrModelNotFound or ErrUnavailable where it is
// one of those.
func (c *Client) wrap(op, model string, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("ollama %s %s: %w", op, model, err)
	}
	var se api.StatusError
	if errors.As(err, &se) && se.StatusCode == http.StatusNotFound {
		return fmt.Errorf("ollama %s: model %q is not installed on %s (install it with `ollama pull %s`, or import a GGUF file; see README): %w",
			op, model, c.base, model, ErrModelNotFound)
	}
	var ae api.AuthorizationError
	if errors.As(err, &se) || errors.As(err, &ae) { // a real answer from the server: not retried
		return fmt.Errorf("ollama %s %s at %s: %w", op, model, c.base, err)
	}
	var ne net.Error
	var oe *net.OpError
	if errors.As(err, &ne) || errors.As(err, &oe) || strings.Contains(err.Error(), "connection refused") {
		return fmt.Errorf("ollama %s %s: cannot reach %s: %w (%w)", op, model, c.base, ErrUnavailable, err)
	}
	return fmt.Errorf("ollama %s %s at %s: %w", op, model, c.base, err)
}

// transient reports whether a failed call is worth retrying: the server
// was unreachable, overloaded or failed internally.
func transient(err error) bool {
	if errors.Is(err, ErrUnavailable) {
		return true
	}
	var se api.StatusError
	if errors.As(err, &se) {
		return se.StatusCode == http.StatusTooManyRequests || se.StatusCode >= 500
	}
	return false
}

// retry runs fn until it succeeds, fails permanently, or retries run out,
// waiting Backoff, 2×Backoff, ... in between.
func (c *Client) retry(ctx context.Context, fn func() error) error {
	wait := c.Backoff
	for attempt := 0; ; attempt++ {
		err := fn()
		if err == nil || attempt >= c.Retries || !transient(err) {
			return err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return errors.Join(err, ctx.Err())
		case <-t.C:
		}
		wait *= 2
	}
}
