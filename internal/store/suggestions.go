package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/civitas-eu/civitas/internal/audit"
)

// ActionSuggestionsSet is the audit action of a knowledge manager setting
// a collection's example questions.
const ActionSuggestionsSet = "collection.suggestions_set"

// Suggestions limits: a few short questions per collection.
const (
	MaxSuggestions      = 6
	MaxSuggestionLength = 200
)

// CollectionSuggestions are the example questions of one collection.
type CollectionSuggestions struct {
	Collection string   `json:"collection"`
	Questions  []string `json:"questions"`
}

// VisibleSuggestions returns the example questions of the collections a
// caller in groups may see.
func (s *Store) VisibleSuggestions(ctx context.Context, groups []string) ([]CollectionSuggestions, error) {
	rows, err := s.db.Query(ctx, s.q("VisibleSuggestions"), nonNil(groups))
	if err != nil {
		return nil, fmt.Errorf("store: suggestions: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (CollectionSuggestions, error) {
		var c CollectionSuggestions
		err := r.Scan(&c.Collection, &c.Questions)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: suggestions: %w", err)
	}
	return out, nil
}

// SetSuggestions replaces the example questions of collection (ErrNotFound
// when there is none of that name) and audits the change.
func (s *Store) SetSuggestions(ctx context.Context, collection string, questions []string) error {
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		var id int64
		if err := tx.QueryRow(ctx, s.q("SetSuggestions"), collection, nonNil(questions)).Scan(&id); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return ErrNotFound
			}
			return err
		}
		_, err := audit.Append(ctx, tx, audit.Event{Action: ActionSuggestionsSet, Target: fmt.Sprintf("collection:%d", id),
			Details: map[string]any{"questions": len(questions)}})
		return err
	})
	if err != nil {
		return fmt.Errorf("store: set suggestions of %s: %w", collection, err)
	}
	return nil
}
