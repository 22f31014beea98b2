package store

import (
	"context"
	"fmt"
)

// MoveDocumentSource moves every version of document id's source to
// collection (created if new), in tx: the metadata change of
// internal/insight, which checks who may move what and audits it.
func (s *Store) MoveDocumentSource(ctx context.Context, tx DB, id int64, collection string) error {
	var collID int64
	if err := tx.QueryRow(ctx, s.q("EnsureCollection"), collection).Scan(&collID); err != nil {
		return fmt.Errorf("store: collection %s: %w", collection, err)
	}
	if _, err := tx.Exec(ctx, s.q("MoveDocumentSource"), id, collID); err != nil {
		return fmt.Errorf("store: move document %d to %s: %w", id, collection, err)
	}
	return nil
}

// SetDocumentTitleGroups sets the title and access groups of document id
// in place, in tx (internal/insight's metadata change).
func (s *Store) SetDocumentTitleGroups(ctx context.Context, tx DB, id int64, title string, groups []string) error {
	if _, err := tx.Exec(ctx, s.q("SetDocumentTitleGroups"), id, title, nonNil(groups)); err != nil {
		return fmt.Errorf("store: metadata of document %d: %w", id, err)
	}
	return nil
}
