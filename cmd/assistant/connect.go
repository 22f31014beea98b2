package main

import (
	"context"
	"flag"
	"io"
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/civitas-eu/civitas/internal/config"
	"github.com/civitas-eu/civitas/internal/egress"
	"github.com/civitas-eu/civitas/internal/store"
)

// connectCLI is the start of every subcommand that uses the database:
// configuration, the egress guard, then the migrated pool.
func (m *Main) connectCLI(ctx context.Context, args []string, register func(*flag.FlagSet)) (config.Config, *flag.FlagSet, *pgxpool.Pool, error) {
	cfg, fs, err := config.Load("assistant", args, m.Getenv, m.Stderr, register)
	if err != nil {
		return cfg, fs, nil, err
	}
	pool, err := connect(ctx, cfg, 4, cfg.NewLogger(io.Discard))
	return cfg, fs, pool, err
}

// connect is how the server and every subcommand reach their services:
// the egress guard first (no database or Ollama outside the site's own
// networks unless allowed by name), then the migrated pool.
func connect(ctx context.Context, cfg config.Config, maxConns int32, log *slog.Logger) (*pgxpool.Pool, error) {
	if err := egress.CheckConfig(ctx, cfg, nil); err != nil {
		return nil, err
	}
	return store.Connect(ctx, cfg.DatabaseURL, maxConns, cfg.Migrate, log)
}
