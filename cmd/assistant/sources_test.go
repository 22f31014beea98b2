package main

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/net/webdav"

	"github.com/civitas-eu/civitas/internal/dbtest"
	"github.com/civitas-eu/civitas/internal/ollama/ollamatest"
	"github.com/civitas-eu/civitas/internal/sources"
)

// TestSourcesCommand: `assistant sources add` stores a WebDAV source,
// `sources sync NAME --wait --json` runs it and prints the run summary,
// `sources list --json` shows the run, `sources rm` removes it; a secret
// given in place of a credentials reference is refused.
func TestSourcesCommand(t *testing.T) {
	dbtest.LockActiveModels(t) // the command seeds the active models
	llm := ollamatest.Client(t)
	env := map[string]string{
		"CIVITAS_DATABASE_URL": dbtest.URL(t),
		"CIVITAS_OLLAMA_URL":   os.Getenv(ollamatest.EnvURL),
		"CIVITAS_CHAT_MODEL":   ollamatest.Model(t, llm, ollamatest.StoriesFile),
		"CIVITAS_EMBED_MODEL":  ollamatest.Model(t, llm, ollamatest.RandomFile),
		"CIVITAS_LOG_LEVEL":    "warn",
	}
	dir := t.TempDir()
	for name, text := range map[string]string{"a.md": "# Parking\n\nPermits cost 30 euros.", "sub/b.md": "# Waste\n\nBins on Tuesday."} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	dav := httptest.NewServer(&webdav.Handler{FileSystem: webdav.Dir(dir), LockSystem: webdav.NewMemLS()})
	t.Cleanup(dav.Close)
	name, coll := dbtest.UniqueName("cli-"), dbtest.UniqueName("cli-")
	run := func(args ...string) (string, error) {
		var out syncBuffer
		m := &Main{Stdout: &out, Stderr: &out, Getenv: func(k string) string { return env[k] }}
		err := m.Run(context.Background(), append([]string{"sources"}, args...))
		return out.String(), err
	}
	t.Cleanup(func() {
		_, _ = run("rm", name)
		_, _ = dbtest.Pool(t).Exec(context.Background(), "DELETE FROM collections WHERE name = $1", coll)
	})

	if out, err := run("add", name, "--kind", "webdav", "--url", dav.URL, "--collection", coll, "--every", "1h", "--exclude", "*.tmp"); err != nil {
		t.Fatalf("add: %v\n%s", err, out)
	}
	if out, err := run("add", dbtest.UniqueName("cli-"), "--kind", "webdav", "--url", dav.URL, "--collection", coll,
		"--credentials", "alice:hunter2"); err == nil || strings.Contains(out+err.Error(), "hunter2") {
		t.Errorf("a secret as --credentials: %v\n%s", err, out)
	}
	out, err := run("sync", name, "--wait", "--json")
	if err != nil {
		t.Fatalf("sync: %v\n%s", err, out)
	}
	var r sources.Run
	if err := json.Unmarshal([]byte(out[strings.Index(out, "{"):]), &r); err != nil || r.Added != 2 || r.Status != "done" || r.Chunks < 2 {
		t.Fatalf("sync summary %+v (%v):\n%s", r, err, out)
	}
	out, err = run("list", "--json")
	if err != nil || !strings.Contains(out, `"name": "`+name+`"`) || !strings.Contains(out, `"added": 2`) {
		t.Fatalf("list: %v\n%s", err, out)
	}
	if out, err := run("rm", name); err != nil || !strings.Contains(out, "removed source") {
		t.Fatalf("rm: %v\n%s", err, out)
	}
}
