package store_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/civitas-eu/civitas/internal/dbtest"
	"github.com/civitas-eu/civitas/internal/store"
)

func TestMigrationsAreNumberedAndEmbedded(t *testing.T) {
	t.Parallel()
	migs, err := store.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	if len(migs) == 0 || migs[0].Name != "0001_init" {
		t.Fatalf("migrations = %+v, want 0001_init first", migs)
	}
}

func TestMigrateFreshSchemaThenNoOp(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.Pool(t)
	schema := dbtest.Schema(t)
	migs, _ := store.Migrations()

	applied, err := store.Migrate(ctx, pool, store.MigrateOptions{Schema: schema})
	if err != nil {
		t.Fatalf("first Migrate: %v", err)
	}
	if len(applied) != len(migs) {
		t.Fatalf("first Migrate applied %v, want all %d", applied, len(migs))
	}
	again, err := store.Migrate(ctx, pool, store.MigrateOptions{Schema: schema})
	if err != nil {
		t.Fatalf("second Migrate: %v", err)
	}
	if len(again) != 0 {
		t.Fatalf("second Migrate applied %v, want nothing", again)
	}
	for _, table := range []string{"collections", "documents", "chunks", "embedding_models", "embeddings", "schema_migrations"} {
		var ok bool
		err := pool.QueryRow(ctx, "SELECT to_regclass($1) IS NOT NULL", pgx.Identifier{schema, table}.Sanitize()).Scan(&ok)
		if err != nil || !ok {
			t.Errorf("table %s.%s missing after migration (err %v)", schema, table, err)
		}
	}
}

func TestConcurrentMigratorsApplyOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.Pool(t)
	schema := dbtest.Schema(t)
	migs, _ := store.Migrations()

	const n = 4
	var wg sync.WaitGroup
	results := make([][]int, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			// Each migrator on its own connection, as two processes would be.
			conn, err := pool.Acquire(ctx)
			if err != nil {
				errs[i] = err
				return
			}
			defer conn.Release()
			results[i], errs[i] = store.Migrate(ctx, conn, store.MigrateOptions{Schema: schema})
		})
	}
	wg.Wait()
	total := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("migrator %d: %v", i, errs[i])
		}
		total += len(results[i])
	}
	if total != len(migs) {
		t.Errorf("migrators applied %d migrations in all, want exactly %d (each once): %v", total, len(migs), results)
	}
	var rows int
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM "+pgx.Identifier{schema, "schema_migrations"}.Sanitize()).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != len(migs) {
		t.Errorf("schema_migrations has %d rows, want %d", rows, len(migs))
	}
}

func TestMigrateRefusesEditedOrUnknownMigrations(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		tamper string
		want   string
	}{
		{"edited file", "UPDATE schema_migrations SET checksum = '\\x00' WHERE version = 1", "edited after it was applied"},
		{"newer database", "INSERT INTO schema_migrations (version, name, checksum) VALUES (9999, '9999_future', '\\x00')", "upgrade the binary"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			tx := dbtest.Tx(t)
			if _, err := tx.Exec(ctx, tt.tamper); err != nil {
				t.Fatal(err)
			}
			_, err := store.Migrate(ctx, tx, store.MigrateOptions{})
			if err == nil || !contains(err.Error(), tt.want) {
				t.Fatalf("Migrate error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// TestCheckMigrated: the read-only check of --migrate=false names the
// command to run on a schema that lacks migrations, and passes once they
// are applied.
func TestCheckMigrated(t *testing.T) {
	ctx := context.Background()
	tx, err := dbtest.Pool(t).Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tx.Rollback(context.Background()) })
	id := pgx.Identifier{dbtest.SchemaName()}.Sanitize()
	if _, err := tx.Exec(ctx, "CREATE SCHEMA "+id+"; SET LOCAL search_path TO "+id+", public"); err != nil {
		t.Fatal(err)
	}
	err = store.CheckMigrated(ctx, tx)
	if !errors.Is(err, store.ErrMigrationsPending) || !strings.Contains(err.Error(), "assistant migrate") || !strings.Contains(err.Error(), "0001_init") {
		t.Fatalf("CheckMigrated on an empty schema = %v, want ErrMigrationsPending naming 0001_init and `assistant migrate`", err)
	}
	if _, err := store.Migrate(ctx, tx, store.MigrateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := store.CheckMigrated(ctx, tx); err != nil {
		t.Fatalf("CheckMigrated after Migrate: %v", err)
	}
}
