package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"strconv"

	"github.com/civitas-eu/civitas/internal/audit"
	"github.com/civitas-eu/civitas/internal/config"
	"github.com/civitas-eu/civitas/internal/egress"
	"github.com/civitas-eu/civitas/internal/insight"
	"github.com/civitas-eu/civitas/internal/store"
)

// updateMetadata is `ingest --update-metadata [--title T] [--collection C]
// [--groups G,...] ID...`: the title, collection and access groups of
// documents (current versions, by id) changed in place, without
// re-extracting or re-embedding (internal/insight), each change audited
// under the operating-system user. Only the flags given change; --groups
// "" makes a document visible to everyone. The operator owns the
// database, so the knowledge managers' group rules do not bind them.
func (m *Main) updateMetadata(ctx context.Context, cfg config.Config, fs *flag.FlagSet, f flags) error {
	var c insight.MetadataChange
	fs.Visit(func(fl *flag.Flag) {
		switch fl.Name {
		case "title":
			c.Title = &f.title
		case "collection":
			c.Collection = &f.collection
		case "groups":
			gs := []string(f.groups)
			c.Groups = &gs
		}
	})
	if fs.NArg() == 0 {
		return fmt.Errorf("%w: give the ids of the documents to change, e.g. `ingest --update-metadata --groups finance 42`", errUsage)
	}
	var ids []int64
	for _, a := range fs.Args() {
		id, err := strconv.ParseInt(a, 10, 64)
		if err != nil || id <= 0 {
			return fmt.Errorf("%w: %q is not a document id", errUsage, a)
		}
		ids = append(ids, id)
	}
	if err := egress.CheckConfig(ctx, cfg, nil); err != nil {
		return err
	}
	ctx = audit.WithActor(ctx, audit.CommandActor("ingest", m.Getenv))
	pool, err := store.Connect(ctx, cfg.DatabaseURL, 2, cfg.Migrate, cfg.NewLogger(m.Stderr))
	if err != nil {
		return err
	}
	defer pool.Close()
	st, err := store.New(pool)
	if err != nil {
		return err
	}
	svc, err := insight.New(pool, st)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(m.Stdout)
	for _, id := range ids {
		c.DocumentID = id
		res, err := svc.UpdateMetadata(ctx, c, insight.Changer{Operator: true})
		if err != nil {
			return fmt.Errorf("document %d: %w", id, err)
		}
		if err := enc.Encode(res); err != nil {
			return err
		}
	}
	return nil
}
