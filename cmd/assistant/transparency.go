package main

import (
	"context"
	"errors"
	"flag"

	"github.com/civitas-eu/civitas/internal/insight"
	"github.com/civitas-eu/civitas/internal/store"
	"github.com/civitas-eu/civitas/prompts"
)

// runTransparency is `assistant transparency --format json|html`: the
// transparency record of this deployment for a public algorithm register
// (internal/insight), generated from the database and the settings, on
// stdout. The free-text fields are the ones an admin filled on the
// transparency page.
func (m *Main) runTransparency(ctx context.Context, args []string) error {
	var format string
	cfg, _, pool, err := m.connectCLI(ctx, args, func(fs *flag.FlagSet) {
		fs.StringVar(&format, "format", "json", "json or html")
	})
	if err != nil {
		return err
	}
	defer pool.Close()
	if format != "json" && format != "html" {
		return errors.New("transparency: --format must be json or html")
	}
	tmpl, err := prompts.Load(cfg.PromptsDir)
	if err != nil {
		return err
	}
	st, err := store.New(pool)
	if err != nil {
		return err
	}
	svc, err := insight.New(pool, st)
	if err != nil {
		return err
	}
	rec, err := svc.Record(ctx, insight.State{Version: version, PromptVersion: tmpl.Version(),
		RetentionDays: cfg.RetentionDays, RetentionAction: cfg.RetentionAction})
	if err != nil {
		return err
	}
	if format == "html" {
		return rec.WriteHTML(m.Stdout)
	}
	return writeJSONTo(m.Stdout, rec)
}
