package store

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Connect brings the schema up to date over one dedicated connection and
// then opens the pool. Both binaries start this way: migrating first lets
// the pool register pgvector's types, which exist only once the extension
// does. With migrate false it only checks that no migration is pending, so
// that a server running as a role without DDL rights fails at start-up,
// naming the command to run, instead of on its first query.
func Connect(ctx context.Context, url string, maxConns int32, migrate bool, log *slog.Logger) (*pgxpool.Pool, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse database URL: %w", err)
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to database at %s:%d (is it running? `make up` starts a local one): %w", cfg.Host, cfg.Port, err)
	}
	if !migrate {
		err := CheckMigrated(ctx, conn)
		conn.Close(context.WithoutCancel(ctx))
		if err != nil {
			return nil, err
		}
		return OpenPool(ctx, url, maxConns)
	}
	applied, err := Migrate(ctx, conn, MigrateOptions{})
	conn.Close(context.WithoutCancel(ctx))
	if err != nil {
		return nil, fmt.Errorf("migrate database schema: %w", err)
	}
	if len(applied) > 0 {
		log.Info("database schema migrated", "applied", applied)
	}
	return OpenPool(ctx, url, maxConns)
}
