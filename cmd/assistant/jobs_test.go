package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"testing"

	"github.com/civitas-eu/civitas/internal/config"
	"github.com/civitas-eu/civitas/internal/dbtest"
	"github.com/civitas-eu/civitas/internal/library"
	"github.com/civitas-eu/civitas/internal/modeladmin"
	"github.com/civitas-eu/civitas/internal/ollama/ollamatest"
	"github.com/civitas-eu/civitas/internal/privacy"
	"github.com/civitas-eu/civitas/internal/sources"
)

// TestJobsOfEveryServiceRegisteredInOnePlace: the four kinds of background
// job (uploads, re-embeds, retention, source syncs) come from their
// services the same way, each with its kind and how many run at once, and
// the core registers them together; the kinds and concurrencies are the
// ones the constructors and core.go used to register one by one, and the
// upload jobs keep their end hook.
func TestJobsOfEveryServiceRegisteredInOnePlace(t *testing.T) {
	dbtest.LockActiveModels(t)
	llm := ollamatest.Client(t)
	env := map[string]string{
		"CIVITAS_DATABASE_URL": dbtest.URL(t),
		"CIVITAS_OLLAMA_URL":   os.Getenv(ollamatest.EnvURL),
		"CIVITAS_CHAT_MODEL":   ollamatest.Model(t, llm, ollamatest.StoriesFile),
		"CIVITAS_EMBED_MODEL":  ollamatest.Model(t, llm, ollamatest.RandomFile),
		"CIVITAS_UPLOAD_DIR":   t.TempDir(),
	}
	cfg, _, err := config.Load("assistant", nil, func(k string) string { return env[k] }, io.Discard, nil)
	if err != nil {
		t.Fatal(err)
	}
	c, err := openCore(context.Background(), cfg, 4, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.close)

	want := []struct {
		kind        string
		concurrency int
		options     int
	}{
		{library.Kind, 1, 1}, // OnEnd releases the upload's file
		{privacy.JobKind, 1, 0},
		{sources.JobKind, 2, 0},
		{modeladmin.JobReembed, 1, 0},
		{modeladmin.JobFusionWeights, 1, 0},
	}
	got := c.jobHandlers()
	if len(got) != len(want) {
		t.Fatalf("%d job kinds registered, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		if g.Kind != w.kind || g.Concurrency != w.concurrency || len(g.Options) != w.options || g.Handler == nil {
			t.Errorf("job kind %d = %s ×%d, %d options, handler %t; want %s ×%d, %d options, a handler",
				i, g.Kind, g.Concurrency, len(g.Options), g.Handler != nil, w.kind, w.concurrency, w.options)
		}
	}
}
