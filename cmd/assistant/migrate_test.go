package main

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/civitas-eu/civitas/internal/config"
	"github.com/civitas-eu/civitas/internal/dbtest"
	"github.com/civitas-eu/civitas/internal/store"
)

// TestMigrateThenServeWithoutDDL: a server with --migrate=false refuses to
// start on an unmigrated schema, naming the command to run; `assistant
// migrate` applies the migrations (and is idempotent), after which the
// check passes without writing anything.
func TestMigrateThenServeWithoutDDL(t *testing.T) {
	dbURL := dbtest.URL(t)
	schema := dbtest.Schema(t)
	env := map[string]string{
		"CIVITAS_DATABASE_URL": dbURL + "&search_path=" + schema + ",public",
		"CIVITAS_MIGRATE":      "false",
	}
	var out syncBuffer
	m := &Main{Stdout: &out, Stderr: &out, Getenv: func(k string) string { return env[k] }}
	ctx := context.Background()

	// The server's start-up path: connect() honours --migrate=false.
	cfg, _, err := config.Load("assistant", nil, m.Getenv, &out, nil)
	if err != nil {
		t.Fatal(err)
	}
	discard := slog.New(slog.DiscardHandler)
	if _, err := connect(ctx, cfg, 1, discard); !errors.Is(err, store.ErrMigrationsPending) || !strings.Contains(err.Error(), "assistant migrate") {
		t.Fatalf("connect with --migrate=false on an empty schema: err = %v, want ErrMigrationsPending naming `assistant migrate`", err)
	}

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
