package main

import (
	"context"
	"fmt"

	"github.com/civitas-eu/civitas/internal/config"
	"github.com/civitas-eu/civitas/internal/egress"
	"github.com/civitas-eu/civitas/internal/store"
)

// runMigrate is `assistant migrate`: it applies the pending migrations and
// exits. It is the one step that needs the schema owner's rights, run
// before the servers start (a compose one-off, a Helm pre-install hook),
// so that the servers themselves can run with --migrate=false as a role
// without DDL rights.
func (m *Main) runMigrate(ctx context.Context, args []string) error {
	cfg, _, err := config.Load("assistant", args, m.Getenv, m.Stderr, nil)
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
	return nil
}
