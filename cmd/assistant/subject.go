package main

import (
	"context"
	"errors"
	"io"
	"log/slog"

	"github.com/civitas-eu/civitas/internal/audit"
	"github.com/civitas-eu/civitas/internal/config"
	"github.com/civitas-eu/civitas/internal/privacy"
)

// runSubject is `assistant subject export USER` and `assistant subject
// erase USER`: a data-subject request carried out from the command line,
// recorded in the audit trail under the operating-system user.
func (m *Main) runSubject(ctx context.Context, args []string) error {
	const usage = "subject: want `subject export USER` or `subject erase USER`"
	if len(args) == 0 || (args[0] != "export" && args[0] != "erase") {
		return &config.UsageError{Err: errors.New(usage)}
	}
	cmd := args[0]
	cfg, fs, err := config.Load("assistant", args[1:], m.Getenv, m.Stderr, nil, config.AcceptArgs)
	if err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return &config.UsageError{Err: errors.New(usage)}
	}
	pool, err := connect(ctx, cfg, 4, cfg.NewLogger(io.Discard))
	if err != nil {
		return err
	}
	defer pool.Close()
	user := fs.Arg(0)
	svc, err := privacy.New(pool, privacyConfig(cfg), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return err
	}
	ctx = audit.WithActor(ctx, audit.CommandActor("cli", m.Getenv))
	var out any
	if cmd == "export" {
		out, err = svc.ExportSubject(ctx, user)
	} else {
		out, err = svc.EraseSubject(ctx, user)
	}
	if err != nil {
		return err
	}
	return writeJSONTo(m.Stdout, out)
}
