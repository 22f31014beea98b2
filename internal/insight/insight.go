// Package insight shows knowledge managers and admins what the assistant
// does, from its own records, and lets them act on it: the review of
// rated answers (feedback.go), the questions no document answers
// (gaps.go), the usage dashboard (usage.go), document metadata changed in
// place without re-embedding (metadata.go), and the transparency record
// for a public algorithm register (transparency.go).
//
// It reads the answer records (store's migration 0003) and writes only
// its own tables (migration 0017); the documents' metadata it changes
// through store, their owner, in its own transaction.
// Access rules are conditions of its queries: a knowledge manager sees
// the answers and documents their groups let them see, as in retrieval.
package insight

import (
	"embed"
	"errors"
	"fmt"

	"github.com/civitas-eu/civitas/internal/sqlfile"
	"github.com/civitas-eu/civitas/internal/store"
)

//go:embed sql/*.sql
var sqlFiles embed.FS

// Errors a caller maps to replies; wrapped with a message naming the
// field or the reason.
var (
	// ErrInvalid is the caller's bad input.
	ErrInvalid = errors.New("invalid")
	// ErrForbidden is a change the caller's groups do not allow.
	ErrForbidden = errors.New("forbidden")
	// ErrNotFound is a row that does not exist, or that the caller may
	// not see.
	ErrNotFound = store.ErrNotFound
)

// Service answers the insight queries over a database (a pool).
type Service struct {
	db store.DB
	st *store.Store // writes documents and collections (metadata.go)
	q  sqlfile.Queries
}

// New returns a Service over db (a pool, or a transaction in tests) and
// the store over the same database.
func New(db store.DB, st *store.Store) (*Service, error) {
	q, err := sqlfile.Load(sqlFiles, "sql")
	if err != nil {
		return nil, fmt.Errorf("insight: %w", err)
	}
	return &Service{db: db, st: st, q: q}, nil
}

// nonNil is s, or an empty slice for nil: a NULL text[] would match no
// access group the way an empty array does not.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)
}
