package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

//go:embed migrations/*.up.sql
var migrationFiles embed.FS

// Migration is one numbered schema change, embedded in the binary.
type Migration struct {
	Version  int
	Name     string // file name without the .up.sql suffix
	SQL      string
	Checksum []byte // SHA-256 of SQL, to notice an applied file being edited
}

var migrationName = regexp.MustCompile(`^(\d{4})_([a-z0-9_]+)\.up\.sql$`)

// Migrations returns the embedded migrations in version order.
func Migrations() ([]Migration, error) {
	return readMigrations(migrationFiles, "migrations")
}

func readMigrations(fsys fs.FS, dir string) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var out []Migration
	for _, e := range entries {
		m := migrationName.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("migration file %s: name must look like 0001_name.up.sql", e.Name())
		}
		v, _ := strconv.Atoi(m[1])
		b, err := fs.ReadFile(fsys, dir+"/"+e.Name())
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", e.Name(), err)
		}
		sum := sha256.Sum256(b)
		out = append(out, Migration{Version: v, Name: m[1] + "_" + m[2], SQL: string(b), Checksum: sum[:]})
	}
	slices.SortFunc(out, func(a, b Migration) int { return a.Version - b.Version })
	for i, m := range out {
		if m.Version != i+1 {
			return nil, fmt.Errorf("migration %s: versions must be numbered 1, 2, 3, ... without gaps", m.Name)
		}
	}
	return out, nil
}

// MigrateOptions tune Migrate. The zero value migrates the connection's
// current schema.
type MigrateOptions struct {
	// Schema, when set, is created if missing and migrated instead of the
	// search_path's first schema. Tests use it to get a fresh schema.
	Schema string
}

// migrationLockKey is the advisory lock that serialises migrators; the
// schema name is mixed in so that tests on separate schemas do not wait on
// each other.
func migrationLockKey(schema string) int64 {
	h := fnv.New64a()
	h.Write([]byte("civitas-migrate:" + schema))
	return int64(h.Sum64())
}

// Migrate applies every pending migration in one transaction, holding a
// transaction-scoped advisory lock so that two processes starting at once
// run them once: the second waits, then finds nothing to do. It returns the
// versions it applied (none when the schema was current).
//
// It refuses to run when the database records a migration this binary does
// not know (an older binary against a newer schema) or one whose file has
// changed since it was applied.
func Migrate(ctx context.Context, db DB, opts MigrateOptions) ([]int, error) {
	migs, err := Migrations()
	if err != nil {
		return nil, err
	}
	// The extension is database-wide. Creating it outside the migration
	// transaction means a fresh schema in a database that already has it
	// needs no superuser rights.
	if _, err := db.Exec(ctx, "CREATE EXTENSION IF NOT EXISTS vector"); err != nil {
		return nil, fmt.Errorf("create extension vector (needs pgvector installed on the server): %w", err)
	}
	var applied []int
	err = pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", migrationLockKey(opts.Schema)); err != nil {
			return fmt.Errorf("take migration lock: %w", err)
		}
		if opts.Schema != "" {
			id := pgx.Identifier{opts.Schema}.Sanitize()
			if _, err := tx.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+id); err != nil {
				return fmt.Errorf("create schema %s: %w", opts.Schema, err)
			}
			// SET LOCAL ends with the transaction, so the caller's session
			// keeps its own search_path.
			if _, err := tx.Exec(ctx, "SET LOCAL search_path TO "+id+", public"); err != nil {
				return fmt.Errorf("set search_path to %s: %w", opts.Schema, err)
			}
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version    integer PRIMARY KEY,
			name       text NOT NULL,
			checksum   bytea NOT NULL,
			applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
			return fmt.Errorf("create schema_migrations: %w", err)
		}
		done, err := appliedMigrations(ctx, tx)
		if err != nil {
			return err
		}
		for v, sum := range done {
			if v > len(migs) {
				return fmt.Errorf("database schema is at migration %d but this binary knows only %d: upgrade the binary", v, len(migs))
			}
			if m := migs[v-1]; !bytes.Equal(m.Checksum, sum) {
				return fmt.Errorf("migration %s was edited after it was applied: add a new migration instead", m.Name)
			}
		}
		for _, m := range migs {
			if _, ok := done[m.Version]; ok {
				continue
			}
			// Multi-statement files go through the simple protocol.
			if _, err := tx.Conn().PgConn().Exec(ctx, m.SQL).ReadAll(); err != nil {
				return fmt.Errorf("apply migration %s: %w", m.Name, err)
			}
			if _, err := tx.Exec(ctx, "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
				m.Version, m.Name, m.Checksum); err != nil {
				return fmt.Errorf("record migration %s: %w", m.Name, err)
			}
			applied = append(applied, m.Version)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return applied, nil
}

func appliedMigrations(ctx context.Context, tx pgx.Tx) (map[int][]byte, error) {
	rows, err := tx.Query(ctx, "SELECT version, checksum FROM schema_migrations")
	if err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	done := map[int][]byte{}
	var v int
	var sum []byte
	_, err = pgx.ForEachRow(rows, []any{&v, &sum}, func() error {
		done[v] = slices.Clone(sum)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	return done, nil
}

// ErrMigrationsPending is returned by CheckMigrated when the schema lacks
// migrations this binary has.
var ErrMigrationsPending = errors.New("database migrations are pending")

// CheckMigrated verifies, reading only, that every embedded migration is
// applied and unchanged. It is what a server that may not run DDL does at
// start-up instead of Migrate.
func CheckMigrated(ctx context.Context, db DB) error {
	migs, err := Migrations()
	if err != nil {
		return err
	}
	var done map[int][]byte
	err = pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		var exists bool
		// In the current schema only, as Migrate creates it: a table of
		// that name further down the search_path belongs to another schema.
		if err := tx.QueryRow(ctx, "SELECT to_regclass(format('%I.schema_migrations', current_schema())) IS NOT NULL").Scan(&exists); err != nil {
			return fmt.Errorf("look for schema_migrations: %w", err)
		}
		if !exists {
			done = map[int][]byte{}
			return nil
		}
		done, err = appliedMigrations(ctx, tx)
		return err
	})
	if err != nil {
		return err
	}
	for v := range done {
		if v > len(migs) {
			return fmt.Errorf("database schema is at migration %d but this binary knows only %d: upgrade the binary", v, len(migs))
		}
	}
	var pending []string
	for _, m := range migs {
		sum, ok := done[m.Version]
		switch {
		case !ok:
			pending = append(pending, m.Name)
		case !bytes.Equal(sum, m.Checksum):
			return fmt.Errorf("migration %s was edited after it was applied: add a new migration instead", m.Name)
		}
	}
	if len(pending) > 0 {
		return fmt.Errorf("%w (%s; setting --migrate is false): run `assistant migrate` as the schema's owner role first", ErrMigrationsPending, strings.Join(pending, ", "))
	}
	return nil
}
