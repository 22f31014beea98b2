package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/civitas-eu/civitas/internal/dbtest"
	"github.com/civitas-eu/civitas/internal/extract"
	"github.com/civitas-eu/civitas/internal/ollama/ollamatest"
)

// TestMain makes this test binary its own parser child, as main does:
// the command parses in a child process of os.Executable, which here is
// the test binary.
func TestMain(m *testing.M) {
	if extract.IsChild(os.Args) {
		os.Exit(extract.RunChild(os.Args[2:], os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// TestIngestParsesInSandbox: ingest parses each file in a child process
// under --parse-memory. A file whose parser dies at the limit (a plain
// text file that the parser, in process, would read) is one failed file
// with the reason in the report; the run goes on and stores the others.
func TestIngestParsesInSandbox(t *testing.T) {
	dbtest.LockActiveModels(t) // the ingest binary embeds with the active model
	dbURL := dbtest.URL(t)
	dbtest.Migrated(t)
	llm := ollamatest.Client(t)
	model := ollamatest.Model(t, llm, ollamatest.RandomFile)
	dir := t.TempDir()
	big := "# Protokoll\n\n" + strings.Repeat("Der Ausschuss berät über den Haushalt. ", 800_000)
	if err := os.WriteFile(filepath.Join(dir, "a-protokoll.md"), []byte(big), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "b-hinweis.md"), []byte("# Hinweis\n\nDas Bürgerbüro ist am Montag geschlossen.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"CIVITAS_DATABASE_URL": dbURL, "CIVITAS_OLLAMA_URL": os.Getenv(ollamatest.EnvURL),
		"CIVITAS_EMBED_MODEL": model, "CIVITAS_PARSE_MEMORY": "64"}
	var stdout, stderr bytes.Buffer
	m := &Main{Stdout: &stdout, Stderr: &stderr, Getenv: func(k string) string { return env[k] }}
	err := m.Run(context.Background(), []string{"--json", "--quiet", "--lexical-only", "--workers", "1", "--collection", dbtest.UniqueName("sandbox-"), dir})
	if !errors.Is(err, errFilesFailed) {
		t.Fatalf("Run error = %v, want errFilesFailed (one file over the parser's memory)\n%s", err, stderr.String())
	}
	var rep struct {
		Added, Failed int
		Files         []struct{ Path, Status, Reason string }
	}
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("report: %v\n%s", err, stdout.String())
	}
	if rep.Added != 1 || rep.Failed != 1 {
		t.Errorf("added %d, failed %d; want 1 and 1: %+v", rep.Added, rep.Failed, rep.Files)
	}
	for _, f := range rep.Files {
		if filepath.Base(f.Path) == "a-protokoll.md" && !strings.Contains(f.Reason, "parser exceeded its memory limit of 64 MiB") {
			t.Errorf("reason %q does not name the memory limit", f.Reason)
		}
	}
}
