package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/civitas-eu/civitas/internal/config"
	"github.com/civitas-eu/civitas/internal/inference"
	"github.com/civitas-eu/civitas/internal/jobs"
	"github.com/civitas-eu/civitas/internal/library"
	"github.com/civitas-eu/civitas/internal/modeladmin"
	"github.com/civitas-eu/civitas/internal/originals"
	"github.com/civitas-eu/civitas/internal/privacy"
	"github.com/civitas-eu/civitas/internal/sources"
	"github.com/civitas-eu/civitas/internal/store"
)

// core is what the server and `assistant worker` both start: the
// database, the chat and embedding backends, the job queue with every handler registered, and the
// services that own the jobs. A server enqueues on the queue whether or
// not it runs it (--jobs); a worker only runs it.
type core struct {
	pool     *pgxpool.Pool
	inf      *inference.Set
	st       *store.Store
	queue    *jobs.Queue
	active   *modeladmin.Active
	modelSvc *modeladmin.Service
	orig     originals.Store
	lib      *library.Service
	priv     *privacy.Service
	sources  *sources.Engine
	// sourcesTick is how often due syncs are looked for (--sources-tick).
	sourcesTick time.Duration
	log         *slog.Logger

	stopRefresh context.CancelFunc
	closeRead   func() // the read replica's pool (--database-read-url)
}

// openCore connects (migrating per --migrate), seeds the active models and
// registers the job handlers (jobHandlers). close releases it.
func openCore(ctx context.Context, cfg config.Config, maxConns int32, log *slog.Logger) (*core, error) {
	pool, err := connect(ctx, cfg, maxConns, log)
	if err != nil {
		return nil, err
	}
	c := &core{pool: pool, log: log, stopRefresh: func() {}, closeRead: func() {}}
	if err := c.open(ctx, cfg, maxConns); err != nil {
		c.close()
		return nil, err
	}
	return c, nil
}

func (c *core) open(ctx context.Context, cfg config.Config, maxConns int32) error {
	log := c.log
	// Chat and embeddings may go to different servers, several hosts each;
	// the pools route around a host that is down and probe it until it
	// is back (internal/inference).
	c.inf = inference.New(cfg, log)
	for _, p := range []*inference.Pool{c.inf.ChatPool, c.inf.EmbedPool} {
		if v, err := p.Version(ctx); err != nil {
			// Not fatal: the assistant serves search results without a
			// chat model and recovers when its server comes back.
			log.Warn("inference backend does not answer; serving in a degraded mode until it does", "kind", p.Kind(), "url", p.URL(), "err", err)
		} else {
			log.Info("inference backend reachable", "kind", p.Kind(), "url", p.URL(), "version", v)
		}
	}

	storeOpts, closeRead, err := storeOptions(ctx, cfg, maxConns)
	if err != nil {
		return err
	}
	c.closeRead = closeRead
	if c.st, err = store.New(c.pool, storeOpts...); err != nil {
		return err
	}
	// Background jobs (uploads, re-embedding, retention, source syncs)
	// come from a Postgres-backed queue; the services enqueue on it, and
	// open registers their handlers at its end (jobHandlers).
	if c.queue, err = jobs.New(c.pool, log, jobs.Config{}); err != nil {
		return err
	}
	// The active models come from the database (the flags only seed it),
	// so that every replica answers with the same models and an admin's
	// switch reaches all of them within the refresh interval.
	c.active = modeladmin.NewActive(c.st, 5*time.Second, log)
	c.modelSvc = modeladmin.New(modeladmin.Deps{Store: c.st, Ollama: c.inf, Active: c.active, Queue: c.queue}, modelsConfig(cfg), log)
	if err := c.modelSvc.Seed(ctx, cfg.ChatModel, cfg.EmbedModel); err != nil {
		return err
	}
	refreshCtx, stopRefresh := context.WithCancel(ctx)
	c.stopRefresh = stopRefresh
	go c.active.Run(refreshCtx)
	go c.inf.Run(refreshCtx)

	// Original files live where every replica reaches them (--originals).
	if c.orig, err = originals.OpenConfigured(ctx, cfg.Originals, c.pool); err != nil {
		return err
	}
	// The documents page's uploads. The embedding model is asked per job,
	// so that a switch of the active model can apply without a restart.
	c.lib, err = library.New(c.st, c.queue, c.inf.EmbedPool, log, library.Config{
		UploadDir: cfg.UploadDir, MaxFileBytes: cfg.MaxUploadBytes, Sandbox: parseSandbox(cfg.Parse), Originals: c.orig,
		EmbedModel: func(context.Context) (string, error) {
			if _, embed := c.active.ActiveModels(); embed != "" {
				return embed, nil
			}
			return cfg.EmbedModel, nil
		},
	})
	if err != nil {
		return err
	}
	if c.priv, err = privacy.New(c.pool, privacyConfig(cfg), log); err != nil {
		return err
	}
	c.sourcesTick = cfg.Sources.Tick
	if err := c.openSources(cfg); err != nil {
		return err
	}
	c.queue.Register(c.jobHandlers()...)
	return nil
}

// jobHandlers are the kinds of background job, each from the service that
// owns it with its kind and how many run at once in this process. They are
// registered here, in one place, before the queue runs (by a server with
// --jobs or by `assistant worker`); constructors register nothing, so a
// process that only enqueues (`assistant models`) has no handlers.
func (c *core) jobHandlers() []jobs.Registration {
	return append([]jobs.Registration{
		c.lib.Handler(),     // uploads and re-ingests
		c.priv.Handler(),    // the daily retention run
		c.sources.Handler(), // syncs of connected sources
	}, c.modelSvc.Handlers()...) // re-embeds after a switch; fusion weights after golden questions change
}

// close stops the model refresh and closes the pool; jobs must have
// stopped before.
func (c *core) close() {
	c.stopRefresh()
	c.closeRead()
	c.pool.Close()
}

// runJobs runs the queue and the daily retention schedule until the
// returned stop is called (idempotent), which puts running jobs back in
// the queue for the next start or another process, and waits for them.
// They do not stop with ctx: the caller stops them after draining HTTP.
func (c *core) runJobs(ctx context.Context) (stop func()) {
	jobsCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan error, 1)
	go func() { done <- c.queue.Run(jobsCtx) }()
	// Retention runs daily as a job, on whichever process claims it.
	scheduled := make(chan struct{})
	go func() { defer close(scheduled); c.priv.Schedule(jobsCtx, c.queue, 24*time.Hour) }()
	// Due source syncs, enqueued once whichever process sees them first.
	sourcesScheduled := make(chan struct{})
	go func() { defer close(sourcesScheduled); c.sources.Schedule(jobsCtx, c.queue, c.sourcesTick) }()
	stopped := false
	return func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			c.log.Warn("background jobs stopped with an error", "err", err)
		}
		<-scheduled
		<-sourcesScheduled
	}
}
