package main

import (
	"context"
	"flag"
	"fmt"
	"strings"

	"github.com/civitas-eu/civitas/internal/config"
	"github.com/civitas-eu/civitas/internal/egress"
	"github.com/civitas-eu/civitas/internal/store"
)

// runMigrate is `assistant migrate`: it applies the pending migrations,
// builds any missing vector index concurrently, and with --grant-app-role
// grants the servers' role exactly the rights they need, then exits. It is
// the one step that needs the schema owner's rights, run before the
// servers start (a compose one-off, a Helm pre-install hook), so that the
// servers themselves can run with --migrate=false as a role without DDL
// rights.
func (m *Main) runMigrate(ctx context.Context, args []string) error {
	var appRole string
	cfg, _, err := config.Load("assistant", args, m.Getenv, m.Stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&appRole, "grant-app-role", "",
			"after migrating, grant this existing role the rights the servers need and no more (no DDL; the audit trail append-only)")
	})
	if err != nil {
		return err
	}
	if err := egress.CheckConfig(ctx, cfg, nil); err != nil {
		return err
	}
	log := cfg.NewLogger(m.Stderr).With("app", "civitas-migrate")
	// Migrating is this command's whole point, whatever --migrate says
	// for the servers sharing its environment.
	pool, err := store.Connect(ctx, cfg.DatabaseURL, 1, true, log)
	if err != nil {
		return err
	}
	defer pool.Close()
	migs, err := store.Migrations()
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "database schema is at migration %d (%s)\n", len(migs), migs[len(migs)-1].Name)
	// Outside any transaction, so that a missing or invalid index (a
	// failed earlier build) is rebuilt without blocking writes.
	built, err := store.EnsureEmbeddingIndexes(ctx, pool)
	if err != nil {
		return err
	}
	if len(built) > 0 {
		fmt.Fprintf(m.Stdout, "built vector indexes: %s\n", strings.Join(built, ", "))
	}
	if appRole != "" {
		if err := store.GrantAppRole(ctx, pool, appRole); err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "granted %s the application's rights (see internal/store/queries/grants.sql)\n", appRole)
	}
	return nil
}
