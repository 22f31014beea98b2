package main

import (
	"context"
	"net/http"
	"time"

	"github.com/civitas-eu/civitas/internal/config"
)

// runWorker is `assistant worker`: it runs the job queue (parsing and
// embedding uploads, re-embedding after a model switch, retention) and
// serves no public HTTP API, so that servers can run with --jobs=false in
// a minimal image while workers run in the image that has tesseract and
// poppler for scanned PDFs. It reads the same settings as the server (the
// two share their environment); its operator listener (--metrics-listen)
// answers /healthz and /readyz for the orchestrator.
func (m *Main) runWorker(ctx context.Context, args []string) error {
	cfg, _, err := config.Load("assistant", args, m.Getenv, m.Stderr, nil)
	if err != nil {
		return err
	}
	log := cfg.NewLogger(m.Stderr).With("app", "civitas-worker")
	log.Info("starting Civitas worker", append([]any{"version", version}, cfg.LogAttrs()...)...)

	c, err := openCore(ctx, cfg, 8, log)
	if err != nil {
		return err
	}
	defer c.close()

	if addr := cfg.Limits.MetricsListen; addr != "" {
		stop, err := m.serveOperator(addr, workerHealth(c), log)
		if err != nil {
			return err
		}
		defer stop()
	}
	stopJobs := c.runJobs(ctx)
	defer stopJobs()
	log.Info("running background jobs")
	<-ctx.Done()
	log.Info("shutting down")
	stopJobs()
	log.Info("stopped")
	return nil
}

// workerHealth answers the orchestrator: /healthz while the process runs,
// /readyz while the database (where the queue lives) answers.
func workerHealth(c *core) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"ok"}` + "\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "application/json")
		if err := c.pool.Ping(ctx); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte(`{"status":"database unavailable"}` + "\n"))
			return
		}
		_, _ = w.Write([]byte(`{"status":"ready"}` + "\n"))
	})
	return mux
}
