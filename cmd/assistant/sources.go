package main

import (
	"context"
	"time"

	"github.com/civitas-eu/civitas/internal/config"
	"github.com/civitas-eu/civitas/internal/extract"
	"github.com/civitas-eu/civitas/internal/ingest"
	"github.com/civitas-eu/civitas/internal/server"
	"github.com/civitas-eu/civitas/internal/sources"
)

// openSources builds the sources engine over c's database and ingest
// pipeline; its sync jobs are registered with the others (jobHandlers).
func (c *core) openSources(cfg config.Config) error {
	st, err := sources.NewStore(c.pool)
	if err != nil {
		return err
	}
	in := ingest.New(c.st, c.inf.EmbedPool, c.log)
	in.RememberModels = time.Minute // one ingest per entry: probe the model once a minute
	c.sources = sources.NewEngine(st, sources.EngineConfig{
		Docs: c.st, Ingester: in, FolderRoots: cfg.Sources.FolderRoots,
		Options: func(ctx context.Context) (ingest.Options, error) {
			model := cfg.EmbedModel
			if _, embed := c.active.ActiveModels(); embed != "" {
				model = embed
			}
			ex := extract.DefaultOptions()
			ex.MaxBytes = max(ex.MaxBytes, cfg.MaxUploadBytes)
			ex.Sandbox = parseSandbox(cfg.Parse)
			return ingest.Options{EmbedModel: model, Extract: ex,
				ActiveEmbedModel: func(context.Context) (string, error) { _, e := c.active.ActiveModels(); return e, nil }}, nil
		},
	}, c.log)
	return nil
}

// sourcesService is what the server's /api/sources routes use: the engine,
// and the queue their "sync now" enqueues on.
func (c *core) sourcesService() *server.SourcesService {
	return &server.SourcesService{Engine: c.sources, Enqueue: func(ctx context.Context, id int64, by string) (int64, error) {
		j, err := sources.Enqueue(ctx, c.queue, id, by)
		return j.ID, err
	}}
}
