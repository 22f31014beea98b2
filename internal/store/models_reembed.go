package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// ChunksToReembed returns up to limit current chunks with an id
// above after that have no vector from model m, in id order. A re-embed
// pages through them with after set to the last id it saw.
func (s *Store) ChunksToReembed(ctx context.Context, m EmbeddingModel, after int64, limit int) ([]ChunkText, error) {
	rows, err := s.db.Query(ctx, s.q("ChunksToReembed"), m.ID, after, limit)
	return chunkTexts(rows, err, m)
}

// chunkTexts collects the rows of a query for chunks without a vector
// from m (err: the query's own error).
func chunkTexts(rows pgx.Rows, err error, m EmbeddingModel) ([]ChunkText, error) {
	if err != nil {
		return nil, fmt.Errorf("store: chunks without a vector from %s: %w", m.Name, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ChunkText, error) {
		var c ChunkText
		err := r.Scan(&c.ID, &c.Content)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: chunks without a vector from %s: %w", m.Name, err)
	}
	return out, nil
}

// EmbeddingCoverage returns how many current chunks there are and how many
// of them have a vector from model m.
func (s *Store) EmbeddingCoverage(ctx context.Context, m EmbeddingModel) (total, done int64, err error) {
	if err := s.db.QueryRow(ctx, s.q("EmbeddingCoverage"), m.ID).Scan(&total, &done); err != nil {
		return 0, 0, fmt.Errorf("store: embedding coverage of %s: %w", m.Name, err)
	}
	return total, done, nil
}

// InsertMissingEmbeddings stores vectors from model m for chunks that have
// none yet and leaves existing ones alone, so that work repeated after a
// crash writes nothing twice. Chunks deleted meanwhile are skipped. It
// returns how many vectors were added.
func (s *Store) InsertMissingEmbeddings(ctx context.Context, m EmbeddingModel, chunkIDs []int64, vectors [][]float32) (int64, error) {
	return s.writeEmbeddings(ctx, "insert", "InsertMissingEmbeddings", m, chunkIDs, vectors)
}
