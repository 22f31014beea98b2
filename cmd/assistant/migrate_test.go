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
