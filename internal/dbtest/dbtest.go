// Package dbtest gives tests a real PostgreSQL with pgvector: the database
// named by CIVITAS_TEST_DATABASE_URL (`make test` starts one). Each test
// gets either a rolled-back transaction over a fresh, migrated schema (Tx)
// or a schema of its own that is dropped afterwards (Schema).
//
// Without the variable, database tests skip with a message saying so,
// unless CIVITAS_TEST_REQUIRE_SERVICES=1 (set by `make test`), in which
// case they fail: CI must never pass by skipping.
package dbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/civitas-eu/civitas/internal/store"
)

// EnvURL names the variable holding the test database URL.
const EnvURL = "CIVITAS_TEST_DATABASE_URL"

// EnvRequire, when "1", turns a missing test service into a failure.
const EnvRequire = "CIVITAS_TEST_REQUIRE_SERVICES"

// Unavailable skips the test, or fails it when services are required.
func Unavailable(tb testing.TB, msg string) {
	tb.Helper()
	if os.Getenv(EnvRequire) == "1" {
		tb.Fatalf("%s (%s=1, so this is a failure, not a skip)", msg, EnvRequire)
	}
	tb.Skip(msg)
}

// URL returns the test database URL, or skips the test.
func URL(tb testing.TB) string {
	tb.Helper()
	u := os.Getenv(EnvURL)
	if u == "" {
		Unavailable(tb, EnvURL+" is not set: skipping a test that needs PostgreSQL with pgvector (`make test` starts one)")
	}
	return u
}

// The pool is shared by the tests of one package: opening one per test
// would cost a connection handshake each time for no isolation gained.
var (
	poolOnce sync.Once
	pool     *pgxpool.Pool
	poolErr  error
)

// Pool returns a connection pool to the test database, with the vector
// extension installed and pgvector types registered.
func Pool(tb testing.TB) *pgxpool.Pool {
	tb.Helper()
	url := URL(tb)
	poolOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		var conn *pgx.Conn
		conn, poolErr = pgx.Connect(ctx, url)
		if poolErr != nil {
			return
		}
		// Installed in public before any test schema exists, so that no
		// test's CREATE EXTENSION lands in (and dies with) its own schema.
		_, poolErr = conn.Exec(ctx, "CREATE EXTENSION IF NOT EXISTS vector WITH SCHEMA public")
		conn.Close(ctx)
		if poolErr != nil {
			return
		}
		pool, poolErr = store.OpenPool(ctx, url, 8)
	})
	if poolErr != nil {
		Unavailable(tb, "test database at "+EnvURL+" is unreachable: "+poolErr.Error())
	}
	return pool
}

// UniqueName returns prefix with a random suffix: a name (collection, job
// kind, user, model) that no other test or run sharing the database
// (Migrated) and Ollama will use.
func UniqueName(prefix string) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// SchemaName returns a new unique schema name for one test.
func SchemaName() string { return UniqueName("test_") }

// Tx begins a transaction over a fresh schema with every migration
// applied, and rolls it back when the test ends, so nothing a test writes
// outlives it. The store under test must use only this transaction.
func Tx(tb testing.TB) pgx.Tx {
	tb.Helper()
	ctx := context.Background()
	tx, err := Pool(tb).Begin(ctx)
	if err != nil {
		tb.Fatalf("begin test transaction: %v", err)
	}
	tb.Cleanup(func() { _ = tx.Rollback(context.Background()) })
	schema := SchemaName()
	id := pgx.Identifier{schema}.Sanitize()
	if _, err := tx.Exec(ctx, "CREATE SCHEMA "+id); err != nil {
		tb.Fatalf("create schema %s: %v", schema, err)
	}
	if _, err := tx.Exec(ctx, "SET LOCAL search_path TO "+id+", public"); err != nil {
		tb.Fatalf("set search_path: %v", err)
	}
	if _, err := store.Migrate(ctx, tx, store.MigrateOptions{}); err != nil {
		tb.Fatalf("migrate test schema: %v", err)
	}
	return tx
}

// Schema returns the name of a new, empty schema that is dropped when the
// test ends, for tests that need several connections (which a single
// transaction cannot give them).
func Schema(tb testing.TB) string {
	tb.Helper()
	p := Pool(tb)
	schema := SchemaName()
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := p.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
			tb.Errorf("drop schema %s: %v", schema, err)
		}
	})
	return schema
}

var (
	migrateOnce sync.Once
	migrateErr  error
)

// Migrated returns the pool with the database's own schema migrated, for
// tests of code that runs many connections at once or other processes
// (a pgx.Tx cannot be shared between goroutines). Such tests isolate
// themselves by what they write — a collection of their own — rather than
// by schema: PGlite ignores per-connection settings like search_path.
func Migrated(tb testing.TB) *pgxpool.Pool {
	tb.Helper()
	p := Pool(tb)
	migrateOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_, migrateErr = store.Migrate(ctx, p, store.MigrateOptions{})
	})
	if migrateErr != nil {
		tb.Fatalf("migrate test database: %v", migrateErr)
	}
	return p
}
