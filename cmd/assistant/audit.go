package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/civitas-eu/civitas/internal/audit"
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
