package ollama

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

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
		vecs, err := c.embedBatch(ctx, model, texts[start:end])
		if tooLong(err) && end-start > 1 {
			vecs, err = c.embedEach(ctx, model, texts[start:end])
		}
		if err != nil {
			return nil, fmt.Errorf("embed texts %d-%d of %d: %w", start+1, end, len(texts), err)
		}
		if len(vecs) != end-start {
			return nil, fmt.Errorf("embed texts %d-%d of %d with %s: got %d vectors for %d texts",
				start+1, end, len(texts), model, len(vecs), end-start)
		}
		out = append(out, vecs...)
	}
	return out, nil
}

func (c *Client) embedBatch(ctx context.Context, model string, texts []string) ([][]float32, error) {
	var resp *api.EmbedResponse
	err := c.retry(ctx, func() error {
		var err error
		resp, err = c.api.Embed(ctx, &api.EmbedRequest{Model: model, Input: texts})
		if err != nil {
			return c.wrap("embed", model, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return resp.Embeddings, nil
}

// embedEach embeds texts one by one, shortening a text the model refuses
// as too long until it takes it. The server truncates an overlong input
// itself, but for a WordPiece model (BERT: all-MiniLM, bge) the truncated
// tokens, turned back into text and tokenized again, can exceed the
// context once more, and the whole request fails; a chunk's head is what
// the model would have embedded anyway.
func (c *Client) embedEach(ctx context.Context, model string, texts []string) ([][]float32, error) {
	out := make([][]float32, 0, len(texts))
	for _, t := range texts {
		v, err := c.embedBatch(ctx, model, []string{t})
		for try := 0; tooLong(err) && try < 8; try++ {
			r := []rune(t)
			t = string(r[:len(r)*3/4])
			v, err = c.embedBatch(ctx, model, []string{t})
		}
		if err != nil {
			return nil, err
		}
		out = append(out, v...)
	}
	return out, nil
}

// tooLong reports whether the server refused an input as longer than the
// model's context.
func tooLong(err error) bool {
	var se api.StatusError
	return errors.As(err, &se) && se.StatusCode == http.StatusBadRequest &&
		strings.Contains(se.ErrorMessage+se.Status, "context length")
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
