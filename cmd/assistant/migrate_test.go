package main

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/civitas-eu/civitas/internal/config"
	"github.com/civitas-eu/civitas/internal/dbtest"
	"github.com/civitas-eu/civitas/internal/store"
)

// TestMigrateThenServeWithoutDDL: `assistant migrate` applies the
// migrations (and is idempotent), after which a server's start-up with
// --migrate=false passes its check without writing anything.
func TestMigrateThenServeWithoutDDL(t *testing.T) {
	dbURL := dbtest.URL(t)
	env := map[string]string{
		// PGlite serves one backend and ignores a search_path given at
		// connection: this runs on the shared schema (store's
		// TestCheckMigrated covers an unmigrated one).
		"CIVITAS_DATABASE_URL": dbURL,
		"CIVITAS_MIGRATE":      "false",
	}
	var out syncBuffer
	m := &Main{Stdout: &out, Stderr: &out, Getenv: func(k string) string { return env[k] }}
	ctx := context.Background()

	cfg, _, err := config.Load("assistant", nil, m.Getenv, &out, nil)
	if err != nil {
		t.Fatal(err)
	}
	discard := slog.New(slog.DiscardHandler)

	for range 2 { // the second run finds nothing to do
		if err := m.Run(ctx, []string{"migrate"}); err != nil {
			t.Fatalf("assistant migrate: %v\n%s", err, out.String())
		}
	}
	migs, err := store.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	if want := migs[len(migs)-1].Name; !strings.Contains(out.String(), want) {
		t.Errorf("migrate output does not name the schema's migration %s:\n%s", want, out.String())
	}
	pool, err := connect(ctx, cfg, 1, discard)
	if err != nil {
		t.Fatalf("connect with --migrate=false after `assistant migrate`: %v", err)
	}
	pool.Close()
}

// TestMigrateGrantsAppRole: `assistant migrate --grant-app-role ROLE`
// leaves ROLE with DML on the tables but no DDL on the schema, the audit
// trail append-only, and the model partition functions to call; a role
// that does not exist is refused with the statement that creates it.
func TestMigrateGrantsAppRole(t *testing.T) {
	// The database's own schema: PGlite ignores a search_path in the URL.
	dbURL := dbtest.URL(t)
	pool := dbtest.Migrated(t)
	ctx := context.Background()
	role := dbtest.UniqueName("civitas_app_")
	env := map[string]string{"CIVITAS_DATABASE_URL": dbURL}
	var out syncBuffer
	m := &Main{Stdout: &out, Stderr: &out, Getenv: func(k string) string { return env[k] }}
	if err := m.Run(ctx, []string{"migrate", "--grant-app-role", role}); err == nil || !strings.Contains(err.Error(), "CREATE ROLE") {
		t.Fatalf("grant to a missing role: %v, want the refusal to name CREATE ROLE", err)
	}
	if _, err := pool.Exec(ctx, "CREATE ROLE "+role+" NOLOGIN"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = pool.Exec(context.Background(), "DROP OWNED BY "+role+"; DROP ROLE "+role) })
	if err := m.Run(ctx, []string{"migrate", "--grant-app-role", role}); err != nil {
		t.Fatalf("assistant migrate --grant-app-role: %v\n%s", err, out.String())
	}
	for _, c := range []struct {
		check string
		want  bool
	}{
		{"has_schema_privilege($1, $2, 'USAGE')", true},
		{"has_schema_privilege($1, $2, 'CREATE')", false},
		{"has_table_privilege($1, $2 || '.documents', 'SELECT, INSERT, UPDATE, DELETE')", true},
		{"has_table_privilege($1, $2 || '.documents', 'TRUNCATE')", false},
		{"has_table_privilege($1, $2 || '.audit_log', 'SELECT')", true},
		{"has_table_privilege($1, $2 || '.audit_log', 'INSERT')", true},
		{"has_table_privilege($1, $2 || '.audit_log', 'UPDATE')", false},
		{"has_table_privilege($1, $2 || '.audit_log', 'DELETE')", false},
		{"has_table_privilege($1, $2 || '.audit_personal', 'DELETE')", true},
		{"has_table_privilege($1, $2 || '.audit_personal', 'UPDATE')", false},
		{"has_column_privilege($1, $2 || '.audit_personal', 'actor', 'UPDATE')", false},
		{"has_table_privilege($1, $2 || '.schema_migrations', 'INSERT')", false},
		{"has_function_privilege($1, $2 || '.civitas_add_embedding_partition(integer)', 'EXECUTE')", true},
		{"has_function_privilege('public', $2 || '.civitas_add_embedding_partition(integer)', 'EXECUTE') AND $1 <> ''", false},
	} {
		var got bool
		if err := pool.QueryRow(ctx, "SELECT "+c.check, role, "public").Scan(&got); err != nil {
			t.Fatalf("%s: %v", c.check, err)
		}
		if got != c.want {
			t.Errorf("%s = %v, want %v", c.check, got, c.want)
		}
	}
}
