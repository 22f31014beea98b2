package store

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// ChunksToEmbedIn is ChunksToReembed restricted to the named collections
// (none: all): `assistant eval --embed-model` embeds only the chunks it
// evaluates, without touching the active model.
func (s *Store) ChunksToEmbedIn(ctx context.Context, m EmbeddingModel, collections []string, after int64, limit int) ([]ChunkText, error) {
	rows, err := s.db.Query(ctx, s.q("ChunksToEmbedIn"), pgx.NamedArgs{
		"model": m.ID, "collections": nonNil(collections), "after": after, "limit": limit,
	})
	return chunkTexts(rows, err, m)
}
