package fairqueue

import (
	"context"
	"fmt"

	"github.com/civitas-eu/civitas/internal/ollama"
)

// Backend is the chat model server a Generator queues for; it is the
// answer service's Generator (internal/answer), declared here again so
// that this package does not depend on its user.
type Backend interface {
	ChatStream(ctx context.Context, model string, messages []ollama.Message, opts ollama.ChatOptions, onToken func(string) error) (ollama.ChatStats, error)
	Show(ctx context.Context, model string) (ollama.ModelInfo, error)
}

// Generator is a Backend whose generations take their turn in a Queue.
type Generator struct {
	next  Backend
	queue *Queue
}

var _ Backend = (*Generator)(nil)

// Wrap returns next with its ChatStream calls queued in q.
func Wrap(next Backend, q *Queue) *Generator {
	return &Generator{next: next, queue: q}
}

// ChatStream waits for a slot in the queue (in the turn of the context's
// Waiter), then streams as the backend does. A wait that ctx ends returns
// ctx's error.
func (g *Generator) ChatStream(ctx context.Context, model string, messages []ollama.Message, opts ollama.ChatOptions, onToken func(string) error) (ollama.ChatStats, error) {
	release, err := g.queue.Acquire(ctx)
	if err != nil {
		return ollama.ChatStats{}, fmt.Errorf("fairqueue: waiting for %s: %w", model, err)
	}
	defer release()
	return g.next.ChatStream(ctx, model, messages, opts, onToken)
}

// Show asks the backend directly: describing a model generates nothing.
func (g *Generator) Show(ctx context.Context, model string) (ollama.ModelInfo, error) {
	return g.next.Show(ctx, model)
}
