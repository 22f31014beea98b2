// Package store keeps documents, chunks and embeddings in PostgreSQL with
// pgvector, and applies the schema migrations that define them.
//
// It is written on pgx and pgvector-go rather than langchaingo's pgvector
// vector store, whose search wraps the table in a MATERIALIZED CTE (so the
// HNSW index is never used), interpolates metadata filters into SQL text,
// cannot delete by document, and stores one embedding model per table. Here
// every query is a named, parameterised statement in queries/*.sql, vectors
// of several models live side by side, one partition and HNSW index each, and
// a document with its chunks is written in one transaction.
//
// Vectors always travel as text literals cast in SQL ('[1,2,3]'::vector).
// That works in every pgx query mode, including the simple protocol that
// PGlite (the development database) needs, and lets bulk inserts use
// unnest($1::text[]::vector[]) instead of COPY, which PGlite cannot serve.
package store

import (
	"context"
	"embed"
	"errors"
	"fmt"

	"github.com/civitas-eu/civitas/internal/sqlfile"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	pgxvec "github.com/pgvector/pgvector-go/pgx"
)

// DB is what the store needs from a connection: a *pgxpool.Pool in
// production, a pgx.Tx in tests (so each test rolls back), or a *pgx.Conn.
// Begin on a pgx.Tx opens a savepoint, so units of work nest.
type DB interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Begin(ctx context.Context) (pgx.Tx, error)
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// ErrNotFound is returned when a requested row does not exist.
var ErrNotFound = errors.New("not found")

//go:embed queries/*.sql
var queryFiles embed.FS

// Store reads and writes the Civitas schema through a DB.
type Store struct {
	db DB
	// read serves retrieval: a read replica's pool when one is configured
	// (--database-read-url), else db.
	read       DB
	vectorType string
	queries    sqlfile.Queries
}

// Option tunes a Store.
type Option func(*Store) error

// WithReadDB sends retrieval queries, the bulk of the read load, to read
// (a pool on a read replica) instead of the primary. A nil read changes
// nothing. A replica lags a little: a document just written may be found
// a moment later.
func WithReadDB(read DB) Option {
	return func(s *Store) error {
		if read != nil {
			s.read = read
		}
		return nil
	}
}

// WithVectorType sets the precision of the HNSW index of embedding models
// registered from now on: VectorFull (the default) or VectorHalf.
func WithVectorType(t string) Option {
	return func(s *Store) error {
		switch t {
		case "", VectorFull:
			s.vectorType = VectorFull
		case VectorHalf:
			s.vectorType = VectorHalf
		default:
			return fmt.Errorf("store: vector type %q: want %s or %s", t, VectorFull, VectorHalf)
		}
		return nil
	}
}

// New returns a Store over db. It fails only if the embedded query files
// are malformed, which a test catches before release, or an option is
// invalid.
func New(db DB, opts ...Option) (*Store, error) {
	q, err := loadQueries()
	if err != nil {
		return nil, err
	}
	s := &Store{db: db, read: db, vectorType: VectorFull, queries: q}
	for _, o := range opts {
		if err := o(s); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// OpenPool connects a pool to url and registers pgvector's types on every
// connection. The vector extension must exist, so call Migrate first.
func OpenPool(ctx context.Context, url string, maxConns int32) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse database URL: %w", err)
	}
	if maxConns > 0 {
		cfg.MaxConns = maxConns
	}
	cfg.AfterConnect = func(ctx context.Context, c *pgx.Conn) error {
		if err := pgxvec.RegisterTypes(ctx, c); err != nil {
			return fmt.Errorf("register pgvector types (is the vector extension installed?): %w", err)
		}
		return nil
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open database pool: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to database %s: %w", cfg.ConnConfig.Host, err)
	}
	return pool, nil
}

// DB is the connection the store works on, for packages that write their
// own rows in the same database (the audit trail).
func (s *Store) DB() DB { return s.db }

// q returns the named query; a missing name panics (sqlfile.Queries.Get),
// a programming error every store test would hit.
func (s *Store) q(name string) string { return s.queries.Get(name) }

// loadQueries reads every "-- name: X" block of queries/*.sql.
func loadQueries() (sqlfile.Queries, error) { return sqlfile.Load(queryFiles, "queries") }
