package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Hit is a chunk found by a search, with its document's title and source
// and the search's own score (cosine distance or text rank).
type Hit struct {
	ChunkID     int64
	DocumentID  int64
	Title       string
	SourceURI   string
	PageStart   *int
	PageEnd     *int
	HeadingPath []string
	Content     string
	Score       float64
}

// SearchVector returns the k chunks nearest to query under model m, by
// cosine distance (Score, smaller is nearer).
func (s *Store) SearchVector(ctx context.Context, m EmbeddingModel, query []float32, k int) ([]Hit, error) {
	if len(query) != m.Dimensions {
		return nil, fmt.Errorf("store: vector search: query has %d dimensions, model %s has %d: %w",
			len(query), m.Name, m.Dimensions, ErrDimensionMismatch)
	}
	rows, err := s.db.Query(ctx, m.sql(s.q("SearchVector")), m.ID, VectorLiteral(query), k)
	if err != nil {
		return nil, fmt.Errorf("store: vector search with model %s: %w", m.Name, err)
	}
	return collectHits(rows)
}

// SearchText returns up to k chunks matching a web-search style query
// (quoted phrases, OR, -word) in the given full-text configuration, best
// ranked first (Score is ts_rank_cd, larger is better).
func (s *Store) SearchText(ctx context.Context, tsConfig, query string, k int) ([]Hit, error) {
	rows, err := s.db.Query(ctx, s.q("SearchText"), tsConfig, query, k)
	if err != nil {
		return nil, fmt.Errorf("store: text search %q: %w", query, err)
	}
	return collectHits(rows)
}

func collectHits(rows pgx.Rows) ([]Hit, error) {
	hits, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Hit, error) {
		var h Hit
		err := r.Scan(&h.ChunkID, &h.DocumentID, &h.Title, &h.SourceURI, &h.PageStart, &h.PageEnd, &h.HeadingPath, &h.Content, &h.Score)
		return h, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: read search results: %w", err)
	}
	return hits, nil
}
