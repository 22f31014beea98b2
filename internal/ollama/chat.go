package ollama

import (
	"context"
	"fmt"
	"time"

	"github.com/ollama/ollama/api"
)

// Message is one turn of a chat.
type Message struct {
	Role    string // "system", "user" or "assistant"
	Content string
}

// ChatOptions tune one generation.
type ChatOptions struct {
	Temperature *float64
	NumCtx      int // context window to allocate; 0 uses the model's default
	NumPredict  int // most tokens to generate; 0 lets the model decide
	Seed        *int
}

// ChatStats are the server's own timings of a finished generation.
type ChatStats struct {
	Model           string
	PromptTokens    int
	GeneratedTokens int
	LoadDuration    time.Duration
	PromptDuration  time.Duration
	EvalDuration    time.Duration
	TotalDuration   time.Duration
	DoneReason      string
}

// ChatStream streams the model's answer to messages, calling onToken for
// each piece of text as it arrives. Returning an error from onToken stops
// generation; cancelling ctx does too (a closed browser tab stops the
// model). The returned stats come from the final frame.
func (c *Client) ChatStream(ctx context.Context, model string, messages []Message, opts ChatOptions, onToken func(string) error) (ChatStats, error) {
	req := &api.ChatRequest{Model: model, Options: map[string]any{}}
	for _, m := range messages {
		req.Messages = append(req.Messages, api.Message{Role: m.Role, Content: m.Content})
	}
	if opts.Temperature != nil {
		req.Options["temperature"] = *opts.Temperature
	}
	if opts.NumCtx > 0 {
		req.Options["num_ctx"] = opts.NumCtx
	}
	if opts.NumPredict > 0 {
		req.Options["num_predict"] = opts.NumPredict
	}
	if opts.Seed != nil {
		req.Options["seed"] = *opts.Seed
	}
	var stats ChatStats
	gotDone := false
	err := c.api.Chat(ctx, req, func(r api.ChatResponse) error {
		if r.Message.Content != "" {
			if err := onToken(r.Message.Content); err != nil {
				return err
			}
		}
		if r.Done {
			gotDone = true
			stats = ChatStats{
				Model:           r.Model,
				PromptTokens:    r.PromptEvalCount,
				GeneratedTokens: r.EvalCount,
				LoadDuration:    r.LoadDuration,
				PromptDuration:  r.PromptEvalDuration,
				EvalDuration:    r.EvalDuration,
				TotalDuration:   r.TotalDuration,
				DoneReason:      r.DoneReason,
			}
		}
		return nil
	})
	if err != nil {
		return stats, c.wrap("chat", model, err)
	}
	// The api client does not report a stream cut short (it stops reading
	// without checking why), so a missing final frame is the signal.
	if !gotDone {
		if ctx.Err() != nil {
			return stats, c.wrap("chat", model, ctx.Err())
		}
		return stats, fmt.Errorf("ollama chat %s: the stream from %s ended before the answer was complete: %w", model, c.base, ErrUnavailable)
	}
	return stats, nil
}
