package eval

import (
	"context"
	"fmt"

	"github.com/civitas-eu/civitas/internal/store"
)

// Embedder embeds texts; *ollama.Client implements it.
type Embedder interface {
	Embed(ctx context.Context, model string, texts []string) ([][]float32, error)
}

// embedBatch is how many chunks EmbedMissing embeds per request.
const embedBatch = 64

// EmbedMissing gives every current chunk of the named collections (none:
// all) that has no vector from m one, stored beside the vectors of the
// other models the way a re-embed stores them, and returns how many it
// added. It never switches the active model: `assistant eval
// --embed-model` measures a candidate before anyone switches to it, and
// what it embedded is not lost if they then do (the re-embed skips it).
func EmbedMissing(ctx context.Context, st *store.Store, emb Embedder, m store.EmbeddingModel, collections []string) (int64, error) {
	var added, after int64
	for {
		chunks, err := st.ChunksToEmbedIn(ctx, m, collections, after, embedBatch)
		if err != nil {
			return added, fmt.Errorf("eval: %w", err)
		}
		if len(chunks) == 0 {
			return added, nil
		}
		ids := make([]int64, len(chunks))
		texts := make([]string, len(chunks))
		for i, c := range chunks {
			ids[i], texts[i] = c.ID, c.Content
		}
		vecs, err := emb.Embed(ctx, m.Name, texts)
		if err != nil {
			return added, fmt.Errorf("eval: embed chunks %d-%d with %s: %w", ids[0], ids[len(ids)-1], m.Name, err)
		}
		n, err := st.InsertMissingEmbeddings(ctx, m, ids, vecs)
		if err != nil {
			return added, fmt.Errorf("eval: %w", err)
		}
		added += n
		after = ids[len(ids)-1]
	}
}
