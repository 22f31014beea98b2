package inference

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/civitas-eu/civitas/internal/ollama"
)

// OpenAI is a client for an OpenAI-compatible server (vLLM, llama.cpp's
// server, TGI, LocalAI, Ollama's /v1): streamed chat completions,
// embeddings and the model list. It fails the way *ollama.Client does
// (ollama.ErrUnavailable, ollama.ErrModelNotFound), so the callers and the
// pool treat both kinds alike.
type OpenAI struct {
	base   *url.URL // ends in /v1
	apiKey string
	hc     *http.Client
}

// NewOpenAI returns a client for the server at base; "/v1" is appended
// when base's path does not end in it. apiKey, when set, is sent as a
// bearer token.
func NewOpenAI(base *url.URL, apiKey string) *OpenAI {
	u := *base
	u.Path = strings.TrimSuffix(u.Path, "/")
	if !strings.HasSuffix(u.Path, "/v1") {
		u.Path += "/v1"
	}
	hc := &http.Client{Transport: &http.Transport{
		Proxy:               nil, // the servers are the city's own: never through a proxy
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConnsPerHost: 16,
		IdleConnTimeout:     90 * time.Second,
	}}
	return &OpenAI{base: &u, apiKey: apiKey, hc: hc}
}

// URL is the server's base URL, without credentials.
func (c *OpenAI) URL() string { return c.base.Redacted() }

// statusError is an HTTP answer other than 2xx.
type statusError struct {
	Code int
	Msg  string
}

func (e *statusError) Error() string { return fmt.Sprintf("status %d: %s", e.Code, e.Msg) }

// do sends one JSON request and returns the response for a 2xx status;
// other statuses and transport failures become classified errors.
func (c *OpenAI) do(ctx context.Context, op, model, method, path string, body any) (*http.Response, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base.String()+path, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	if c.apiKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.apiKey)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, c.wrap(op, model, err)
	}
	if resp.StatusCode/100 != 2 {
		defer resp.Body.Close()
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
		return nil, c.wrap(op, model, &statusError{Code: resp.StatusCode, Msg: errorMessage(b)})
	}
	return resp, nil
}

// errorMessage takes the message out of an OpenAI error body
// ({"error":{"message":...}} or {"error":"..."}), or the body itself.
func errorMessage(b []byte) string {
	var e struct {
		Error json.RawMessage `json:"error"`
	}
	if json.Unmarshal(b, &e) == nil && len(e.Error) > 0 {
		var obj struct {
			Message string `json:"message"`
		}
		if json.Unmarshal(e.Error, &obj) == nil && obj.Message != "" {
			return obj.Message
		}
		var s string
		if json.Unmarshal(e.Error, &s) == nil {
			return s
		}
	}
	return strings.TrimSpace(string(b))
}

// wrap classifies err as ollama.ErrModelNotFound (404, or a message that
// says the model does not exist) or ollama.ErrUnavailable (unreachable,
// overloaded, failing).
func (c *OpenAI) wrap(op, model string, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("openai %s %s: %w", op, model, err)
	}
	var se *statusError
	if errors.As(err, &se) {
		low := strings.ToLower(se.Msg)
		switch {
		case se.Code == http.StatusNotFound || (model != "" && strings.Contains(low, "model") && (strings.Contains(low, "not found") || strings.Contains(low, "does not exist"))):
			return fmt.Errorf("openai %s: model %q is not served by %s: %w", op, model, c.URL(), ollama.ErrModelNotFound)
		case se.Code == http.StatusTooManyRequests || se.Code >= 500:
			return fmt.Errorf("openai %s %s at %s: %w (%w)", op, model, c.URL(), ollama.ErrUnavailable, err)
		}
		return fmt.Errorf("openai %s %s at %s: %w", op, model, c.URL(), err)
	}
	return fmt.Errorf("openai %s %s: cannot reach %s: %w (%w)", op, model, c.URL(), ollama.ErrUnavailable, err)
}

type modelList struct {
	Data []struct {
		ID      string `json:"id"`
		Created int64  `json:"created"`
		OwnedBy string `json:"owned_by"`
	} `json:"data"`
}

// List returns the models the server serves (/v1/models). The list says
// no size, family or digest; those fields stay empty.
func (c *OpenAI) List(ctx context.Context) ([]ollama.Installed, error) {
	resp, err := c.do(ctx, "list", "", http.MethodGet, "/models", nil)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var ml modelList
	if err := json.NewDecoder(io.LimitReader(resp.Body, 4<<20)).Decode(&ml); err != nil {
		return nil, c.wrap("list", "", fmt.Errorf("decode the model list: %w", err))
	}
	out := make([]ollama.Installed, 0, len(ml.Data))
	for _, m := range ml.Data {
		in := ollama.Installed{Name: ollama.CanonicalName(m.ID), Family: m.OwnedBy}
		if m.Created > 0 {
			in.ModifiedAt = time.Unix(m.Created, 0).UTC()
		}
		out = append(out, in)
	}
	return out, nil
}

// Version checks that the server answers /v1/models; OpenAI servers have
// no version endpoint, so it returns "openai-compatible".
func (c *OpenAI) Version(ctx context.Context) (string, error) {
	if _, err := c.List(ctx); err != nil {
		return "", err
	}
	return "openai-compatible", nil
}

// Show returns what the model list says of model, or
// ollama.ErrModelNotFound when the server does not serve it.
func (c *OpenAI) Show(ctx context.Context, model string) (ollama.ModelInfo, error) {
	list, err := c.List(ctx)
	if err != nil {
		return ollama.ModelInfo{}, err
	}
	for _, m := range list {
		if m.Name == ollama.CanonicalName(model) {
			return ollama.ModelInfo{Name: model, Family: m.Family}, nil
		}
	}
	return ollama.ModelInfo{}, fmt.Errorf("openai show: model %q is not served by %s: %w", model, c.URL(), ollama.ErrModelNotFound)
}

// Embed returns one vector per text (/v1/embeddings), in the order of
// texts, in one request: the pool splits large inputs.
func (c *OpenAI) Embed(ctx context.Context, model string, texts []string) ([][]float32, error) {
	if len(texts) == 0 {
		return nil, nil
	}
	resp, err := c.do(ctx, "embed", model, http.MethodPost, "/embeddings", map[string]any{"model": model, "input": texts})
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var er struct {
		Data []struct {
			Index     int       `json:"index"`
			Embedding []float32 `json:"embedding"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&er); err != nil {
		return nil, c.wrap("embed", model, fmt.Errorf("decode embeddings: %w", err))
	}
	out := make([][]float32, len(texts))
	for _, d := range er.Data {
		if d.Index < 0 || d.Index >= len(out) {
			return nil, fmt.Errorf("openai embed %s at %s: index %d out of range", model, c.URL(), d.Index)
		}
		out[d.Index] = d.Embedding
	}
	for i, v := range out {
		if len(v) == 0 {
			return nil, fmt.Errorf("openai embed %s at %s: no vector for text %d", model, c.URL(), i+1)
		}
	}
	return out, nil
}

// EmbeddingDimensions embeds one probe text and returns its length.
func (c *OpenAI) EmbeddingDimensions(ctx context.Context, model string) (int, error) {
	v, err := c.Embed(ctx, model, []string{"dimension probe"})
	if err != nil {
		return 0, err
	}
	return len(v[0]), nil
}

// ChatStream streams a chat completion (server-sent events), calling
// onToken for each piece of text. Stats come from the final usage chunk
// (stream_options.include_usage); the server's timings are measured here,
// as the API reports none. A stream that ends without [DONE] or a finish
// reason fails with ollama.ErrUnavailable.
func (c *OpenAI) ChatStream(ctx context.Context, model string, messages []ollama.Message, opts ollama.ChatOptions, onToken func(string) error) (ollama.ChatStats, error) {
	start := time.Now()
	req := map[string]any{"model": model, "stream": true, "stream_options": map[string]any{"include_usage": true}}
	msgs := make([]map[string]string, 0, len(messages))
	for _, m := range messages {
		msgs = append(msgs, map[string]string{"role": m.Role, "content": m.Content})
	}
	req["messages"] = msgs
	if opts.Temperature != nil {
		req["temperature"] = *opts.Temperature
	}
	if opts.NumPredict > 0 {
		req["max_tokens"] = opts.NumPredict
	}
	if opts.Seed != nil {
		req["seed"] = *opts.Seed
	}
	resp, err := c.do(ctx, "chat", model, http.MethodPost, "/chat/completions", req)
	if err != nil {
		return ollama.ChatStats{}, err
	}
	defer resp.Body.Close()
	stats := ollama.ChatStats{Model: model}
	var first time.Time
	finished := false
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 8<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		data, ok := strings.CutPrefix(line, "data:")
		if !ok {
			continue // comments, event names, blank separators
		}
		data = strings.TrimSpace(data)
		if data == "[DONE]" {
			finished = true
			break
		}
		var chunk struct {
			Model   string `json:"model"`
			Choices []struct {
				Delta struct {
					Content string `json:"content"`
				} `json:"delta"`
				FinishReason *string `json:"finish_reason"`
			} `json:"choices"`
			Usage *struct {
				PromptTokens     int `json:"prompt_tokens"`
				CompletionTokens int `json:"completion_tokens"`
			} `json:"usage"`
		}
		if err := json.Unmarshal([]byte(data), &chunk); err != nil {
			return stats, fmt.Errorf("openai chat %s at %s: bad stream frame: %w", model, c.URL(), err)
		}
		if chunk.Model != "" {
			stats.Model = chunk.Model
		}
		for _, ch := range chunk.Choices {
			if ch.Delta.Content != "" {
				if first.IsZero() {
					first = time.Now()
				}
				if err := onToken(ch.Delta.Content); err != nil {
					return stats, err
				}
			}
			if ch.FinishReason != nil && *ch.FinishReason != "" {
				stats.DoneReason = *ch.FinishReason
				finished = true
			}
		}
		if chunk.Usage != nil {
			stats.PromptTokens, stats.GeneratedTokens = chunk.Usage.PromptTokens, chunk.Usage.CompletionTokens
		}
	}
	if err := sc.Err(); err != nil && !finished {
		return stats, c.wrap("chat", model, err)
	}
	if !finished {
		if ctx.Err() != nil {
			return stats, c.wrap("chat", model, ctx.Err())
		}
		return stats, fmt.Errorf("openai chat %s: the stream from %s ended before the answer was complete: %w", model, c.URL(), ollama.ErrUnavailable)
	}
	stats.TotalDuration = time.Since(start)
	if !first.IsZero() {
		stats.PromptDuration = first.Sub(start)
		stats.EvalDuration = time.Since(first)
	}
	if stats.DoneReason == "" {
		stats.DoneReason = "stop"
	}
	return stats, nil
}
