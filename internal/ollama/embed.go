package ollama

import (
	"context"
	"fmt"

	"github.com/ollama/ollama/api"
)

// Embed returns one vector per text from the named embedding model, in the
// order of texts. Texts are sent in batches of EmbedBatch through the batch
// endpoint /api/embed; each batch is retried on transient failures. A model
// that is not installed fails at once with ErrModelNotFound.
func (c *Client) Embed(ctx context.Context, model string, texts []string) ([][]float32, error) {
	out := make([][]float32, 0, len(texts))
	batch := max(c.EmbedBatch, 1)
	for start := 0; start < len(texts); start += batch {
		end := min(start+batch, len(texts))
		var resp *api.EmbedResponse
		err := c.retry(ctx, func() error {
			var err error
			resp, err = c.api.Embed(ctx, &api.EmbedRequest{Model: model, Input: texts[start:end]})
			if err != nil {
				return c.wrap("embed", model, err)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("embed texts %d-%d of %d: %w", start+1, end, len(texts), err)
		}
		if len(resp.Embeddings) != end-start {
			return nil, fmt.Errorf("embed texts %d-%d of %d with %s: got %d vectors for %d texts",
				start+1, end, len(texts), model, len(resp.Embeddings), end-start)
		}
		out = append(out, resp.Embeddings...)
	}
	return out, nil
}

// EmbeddingDimensions asks the model for one embedding and returns its
// length: the reliable way to learn the dimension, since a model's hidden
// size and its embedding size may differ.
func (c *Client) EmbeddingDimensions(ctx context.Context, model string) (int, error) {
	v, err := c.Embed(ctx, model, []string{"dimension probe"})
	if err != nil {
		return 0, err
	}
	if len(v) != 1 || len(v[0]) == 0 {
		return 0, fmt.Errorf("ollama embed %s: empty embedding", model)
	}
	return len(v[0]), nil
}
