package main

import (
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/civitas-eu/civitas/internal/config"
)

// The public HTTP server bounds slow and idle connections and header
// sizes (it used to set ReadHeaderTimeout only, and Go's 1 MB headers);
// the per-request limits reach the server package; the operator listener
// has plain timeouts of its own.
func TestHTTPServerHasTimeouts(t *testing.T) {
	t.Parallel()
	cfg, _, err := config.Load("assistant", nil, func(string) string { return "" }, io.Discard, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := newHTTPServer(cfg, http.NotFoundHandler(), context.Background())
	if srv.ReadHeaderTimeout <= 0 || srv.ReadHeaderTimeout > 10*time.Second || srv.ReadTimeout <= 0 || srv.IdleTimeout <= 0 || srv.WriteTimeout <= 0 {
		t.Errorf("timeouts: header %v, read %v, idle %v, write %v", srv.ReadHeaderTimeout, srv.ReadTimeout, srv.IdleTimeout, srv.WriteTimeout)
	}
	if srv.MaxHeaderBytes <= 0 || srv.MaxHeaderBytes > 1<<20 {
		t.Errorf("MaxHeaderBytes %d", srv.MaxHeaderBytes)
	}
	lim := serverLimits(cfg)
	if lim.WriteTimeout <= 0 || lim.UploadTimeout <= 0 || lim.RatePerMinute <= 0 ||
		lim.MaxAnswers <= 0 || lim.MaxAnswersPerUser <= 0 || lim.QueueWait <= 0 {
		t.Errorf("server limits by default: %+v", lim)
	}
	ops := newMetricsServer(http.NotFoundHandler())
	if ops.ReadHeaderTimeout <= 0 || ops.ReadTimeout <= 0 || ops.WriteTimeout <= 0 || ops.IdleTimeout <= 0 || ops.MaxHeaderBytes <= 0 {
		t.Errorf("operator server: %+v", ops)
	}
	if cfg.Limits.MetricsListen != config.DefaultMetricsListen {
		t.Errorf("metrics listen %q by default", cfg.Limits.MetricsListen)
	}
}
