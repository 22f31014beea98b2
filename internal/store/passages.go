package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Passage is one chunk of a document as the document view shows it.
type Passage struct {
	ID          int64    `json:"id"`
	Ordinal     int      `json:"ordinal"`
	PageStart   *int     `json:"page_start,omitempty"`
	PageEnd     *int     `json:"page_end,omitempty"`
	HeadingPath []string `json:"heading_path"`
	Text        string   `json:"text"`
}

// DocumentPassages returns up to limit passages of document id in their
// order. It does not check access: callers pass a document the user may
// see (VisibleDocument).
func (s *Store) DocumentPassages(ctx context.Context, id int64, limit int) ([]Passage, error) {
	rows, err := s.db.Query(ctx, s.q("DocumentPassages"), id, limit)
	if err != nil {
		return nil, fmt.Errorf("store: passages of document %d: %w", id, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Passage, error) {
		var p Passage
		err := r.Scan(&p.ID, &p.Ordinal, &p.PageStart, &p.PageEnd, &p.HeadingPath, &p.Text)
		return p, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: passages of document %d: %w", id, err)
	}
	return out, nil
}
