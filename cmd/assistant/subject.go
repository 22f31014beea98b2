package main

import (
	"context"
	"errors"
	"io"
	"log/slog"

	"github.com/civitas-eu/civitas/internal/audit"
	"github.com/civitas-eu/civitas/internal/privacy"
)

// runSubject is `assistant subject export USER` and `assistant subject
// erase USER`: a data-subject request carried out from the command line,
// recorded in the audit trail under the operating-system user.
func (m *Main) runSubject(ctx context.Context, args []string) error {
	const usage = "subject: want `subject export USER` or `subject erase USER`"
	if len(args) == 0 || (args[0] != "export" && args[0] != "erase") {
		return errors.New(usage)
	}
	cmd := args[0]
	cfg, fs, pool, err := m.connectCLI(ctx, args[1:], nil)
	if err != nil {
		return err
	}
	defer pool.Close()
	if fs.NArg() != 1 {
		return errors.New(usage)
	}
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
