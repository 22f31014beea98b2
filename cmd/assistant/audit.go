package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/civitas-eu/civitas/internal/audit"
	"github.com/civitas-eu/civitas/internal/config"
	"github.com/civitas-eu/civitas/internal/egress"
	"github.com/civitas-eu/civitas/internal/store"
)

// runAudit is `assistant audit verify` and `assistant audit export`.
func (m *Main) runAudit(ctx context.Context, args []string) error {
	if len(args) == 0 || (args[0] != "verify" && args[0] != "export") {
		return errors.New("audit: want `audit verify` or `audit export --format csv|json [--from --to --actor --action]`")
	}
	if args[0] == "verify" {
		return m.auditVerify(ctx, args[1:])
	}
	return m.auditExport(ctx, args[1:])
}

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

// auditVerify walks the chain and fails, naming the first broken row, when
// it does not hold.
func (m *Main) auditVerify(ctx context.Context, args []string) error {
	var asJSON bool
	_, _, pool, err := m.connectCLI(ctx, args, func(fs *flag.FlagSet) {
		fs.BoolVar(&asJSON, "json", false, "print the result as JSON")
	})
	if err != nil {
		return err
	}
	defer pool.Close()
	res, err := audit.Verify(ctx, pool)
	if err != nil {
		return err
	}
	return m.reportVerify(res, asJSON)
}

// reportVerify prints the outcome of a walk and returns an error naming
// the first broken row, so that the command exits non-zero.
func (m *Main) reportVerify(res audit.Result, asJSON bool) error {
	if asJSON {
		if err := writeJSONTo(m.Stdout, res); err != nil {
			return err
		}
	}
	if !res.OK {
		return fmt.Errorf("audit chain broken at row %d: %s (%d rows before it verified)", res.FirstBad.ID, res.FirstBad.Reason, res.Rows)
	}
	if !asJSON {
		fmt.Fprintf(m.Stdout, "audit chain verified: %d rows, %d with personal data erased or expired\nhead: row %d, hash %s\n"+
			"(record the head outside this database to make a rewrite of the whole chain detectable)\n",
			res.Rows, res.Erased, res.HeadID, res.HeadHash)
	}
	return nil
}

// auditExport writes the trail, or part of it, to stdout.
func (m *Main) auditExport(ctx context.Context, args []string) error {
	var format, from, to string
	var f audit.Filter
	_, _, pool, err := m.connectCLI(ctx, args, func(fs *flag.FlagSet) {
		fs.StringVar(&format, "format", "json", "csv or json")
		fs.StringVar(&from, "from", "", "only rows at or after this time (RFC 3339 or YYYY-MM-DD)")
		fs.StringVar(&to, "to", "", "only rows before this time (RFC 3339, or YYYY-MM-DD: through that day)")
		fs.StringVar(&f.Actor, "actor", "", "only rows by this user")
		fs.StringVar(&f.Action, "action", "", "only this action, or a prefix ending in '.' (document.)")
	})
	if err != nil {
		return err
	}
	defer pool.Close()
	if f.From, err = audit.ParseTime(from, false); err != nil {
		return fmt.Errorf("audit export --from: %w", err)
	}
	if f.To, err = audit.ParseTime(to, true); err != nil {
		return fmt.Errorf("audit export --to: %w", err)
	}
	n, err := audit.Export(ctx, pool, m.Stdout, f, format)
	if err != nil {
		return err
	}
	_, err = audit.Append(audit.WithActor(ctx, audit.CommandActor("cli", m.Getenv)), pool, audit.ExportedEvent(f, format, n, "cli"))
	return err
}
