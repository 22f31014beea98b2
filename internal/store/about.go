package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// CollectionCount is a collection and how many current documents in it a
// caller may see.
type CollectionCount struct {
	Name      string `json:"name"`
	Documents int64  `json:"documents"`
}

// VisibleCollections lists the collections holding current documents
// visible to a member of groups, with their counts.
func (s *Store) VisibleCollections(ctx context.Context, groups []string) ([]CollectionCount, error) {
	rows, err := s.db.Query(ctx, s.q("VisibleCollections"), nonNil(groups))
	if err != nil {
		return nil, fmt.Errorf("store: visible collections: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (CollectionCount, error) {
		var c CollectionCount
		return c, r.Scan(&c.Name, &c.Documents)
	})
	if err != nil {
		return nil, fmt.Errorf("store: visible collections: %w", err)
	}
	return out, nil
}
