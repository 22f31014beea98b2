package sources_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/civitas-eu/civitas/internal/sources"
)

// TestHangingSourceEndsAtMaxRun: a hostile (or wedged) WebDAV server that
// never answers must not hold a worker, and its source, for good: the run
// ends at the engine's MaxRun, is recorded as failed naming the limit,
// and the source is free for the next run.
func TestHangingSourceEndsAtMaxRun(t *testing.T) {
	b := setup(t)
	quit := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select { // never answers
		case <-r.Context().Done():
		case <-quit:
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(quit) }) // runs first: Close waits for the handlers
	src := b.add(t, sources.Source{Kind: "webdav", URL: srv.URL + "/dav/"})
	engine := sources.NewEngine(b.st, sources.EngineConfig{Docs: b.docs, Ingester: b.ingester(), Lease: 3 * time.Second,
		Options: b.engineOptions(), MaxRun: time.Second}, quiet())
	type result struct {
		run sources.Run
		err error
	}
	done := make(chan result, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		run, err := engine.Sync(ctx, src.ID, 0)
		done <- result{run, err}
	}()
	select {
	case r := <-done:
		if r.err != nil || r.run.Status != "failed" || !strings.Contains(r.run.Error, "longer than") {
			t.Errorf("run of a hanging source: %+v %v", r.run, r.err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the run of a hanging source is still going after 30s (MaxRun 1s)")
	}
	if _, err := engine.Sync(context.Background(), src.ID, 0); err != nil {
		t.Errorf("the source is not free after the timed-out run: %v", err)
	}
}
