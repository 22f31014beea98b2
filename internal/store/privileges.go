package store

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// ErrNoSuchRole is returned by GrantAppRole when the role does not exist:
// creating a login role with its password is the database admin's step.
var ErrNoSuchRole = errors.New("role does not exist")

// GrantAppRole gives role exactly the rights the servers need on the
// current schema (queries/grants.sql says which, and why), in one
// transaction. The schema's owner runs it after migrating (`assistant
// migrate --grant-app-role ROLE`); running it again re-applies the same
// rights.
func GrantAppRole(ctx context.Context, db DB, role string) error {
	q, err := loadQueries()
	if err != nil {
		return err
	}
	return pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		var exists bool
		var schema string
		if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1), current_schema()", role).Scan(&exists, &schema); err != nil {
			return fmt.Errorf("look up role %s: %w", role, err)
		}
		if !exists {
			return fmt.Errorf("grant rights to %s: %w (an admin creates it first: CREATE ROLE %s LOGIN PASSWORD '...')",
				role, ErrNoSuchRole, pgx.Identifier{role}.Sanitize())
		}
		sql := strings.NewReplacer("{{role}}", pgx.Identifier{role}.Sanitize(), "{{schema}}", pgx.Identifier{schema}.Sanitize()).
			Replace(q.Get("GrantAppRole"))
		// Several statements: the simple protocol runs them in order.
		if _, err := tx.Conn().PgConn().Exec(ctx, sql).ReadAll(); err != nil {
			return fmt.Errorf("grant rights to %s: %w", role, err)
		}
		return nil
	})
}

// EnsureEmbeddingIndexes builds, with CREATE INDEX CONCURRENTLY, the HNSW
// index of every model whose partition lacks it or holds an invalid one,
// and returns the indexes it built. A concurrent build keeps the table
// writable while it runs, but cannot run in a transaction: db must be a
// pool or a connection outside one, and the role must own the tables, so
// `assistant migrate` runs it after migrating.
func EnsureEmbeddingIndexes(ctx context.Context, db DB) ([]string, error) {
	q, err := loadQueries()
	if err != nil {
		return nil, err
	}
	rows, err := db.Query(ctx, q.Get("EmbeddingIndexesToBuild"))
	if err != nil {
		return nil, fmt.Errorf("store: find missing embedding indexes: %w", err)
	}
	type build struct{ name, drop, create string }
	todo, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (build, error) {
		var b build
		err := r.Scan(&b.name, &b.drop, &b.create)
		return b, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: find missing embedding indexes: %w", err)
	}
	var built []string
	for _, b := range todo {
		if b.drop != "" {
			if _, err := db.Exec(ctx, b.drop); err != nil {
				return built, fmt.Errorf("store: drop invalid index %s: %w", b.name, err)
			}
		}
		if _, err := db.Exec(ctx, b.create); err != nil {
			return built, fmt.Errorf("store: build index %s: %w", b.name, err)
		}
		built = append(built, b.name)
	}
	return built, nil
}
