package main

import (
	"context"
	"os"
	"testing"

	"github.com/civitas-eu/civitas/internal/dbtest"
	"github.com/civitas-eu/civitas/internal/ollama/ollamatest"
)

// TestSourcesCommandAudited: adding, syncing and removing a source from
// the command line leaves the same audit events as over HTTP, with the
// command's actor: an operator's change is no less a change.
func TestSourcesCommandAudited(t *testing.T) {
	dbtest.LockActiveModels(t)
	llm := ollamatest.Client(t)
	env := map[string]string{
		"CIVITAS_DATABASE_URL": dbtest.URL(t),
		"CIVITAS_OLLAMA_URL":   os.Getenv(ollamatest.EnvURL),
		"CIVITAS_CHAT_MODEL":   ollamatest.Model(t, llm, ollamatest.StoriesFile),
		"CIVITAS_EMBED_MODEL":  ollamatest.Model(t, llm, ollamatest.RandomFile),
		"CIVITAS_LOG_LEVEL":    "warn",
	}
	name, coll := dbtest.UniqueName("cliaudit-"), dbtest.UniqueName("cliaudit-")
	run := func(args ...string) {
		t.Helper()
		var out syncBuffer
		m := &Main{Stdout: &out, Stderr: &out, Getenv: func(k string) string { return env[k] }}
		if err := m.Run(context.Background(), append([]string{"sources"}, args...)); err != nil {
			t.Fatalf("sources %v: %v\n%s", args, err, out.String())
		}
	}
	t.Cleanup(func() {
		_, _ = dbtest.Pool(t).Exec(context.Background(), "DELETE FROM sources WHERE name = $1", name)
		_, _ = dbtest.Pool(t).Exec(context.Background(), "DELETE FROM collections WHERE name = $1", coll)
	})
	run("add", name, "--kind", "webdav", "--url", "http://127.0.0.1:9/dav/", "--collection", coll)
	run("sync", name)
	run("rm", name)
	for _, action := range []string{"source.added", "source.sync_requested", "source.removed"} {
		var n int
		if err := dbtest.Pool(t).QueryRow(context.Background(), "SELECT count(*) FROM audit_log WHERE action = $1 AND target = $2",
			action, "source:"+name).Scan(&n); err != nil || n != 1 {
			t.Errorf("%d %s events (%v), want 1", n, action, err)
		}
	}
}
