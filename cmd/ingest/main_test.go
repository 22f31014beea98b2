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
	"github.com/civitas-eu/civitas/internal/ollama/ollamatest"
)

func TestUsage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		args    []string
		wantErr error
		want    string
	}{
		{"help", []string{"--help"}, nil, "--collection"},
		{"no roots", nil, errUsage, "give the files or folders"},
		{"bad workers", []string{"--workers", "0", "x"}, errUsage, "--workers"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			m := &Main{Stdout: &out, Stderr: &out, Getenv: func(string) string { return "" }}
			err := m.Run(context.Background(), tt.args)
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("error = %v, want %v", err, tt.wantErr)
			}
			if !strings.Contains(out.String()+errString(err), tt.want) {
				t.Errorf("output lacks %q:\n%s\n%v", tt.want, out.String(), err)
			}
		})
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// TestJSONReport runs the whole command and checks the --json report's
// shape, which scripts of knowledge managers depend on.
func TestJSONReport(t *testing.T) {
	dbtest.LockActiveModels(t) // the ingest binary embeds with the active model
	dbURL := dbtest.URL(t)
	dbtest.Migrated(t)
	llm := ollamatest.Client(t)
	model := ollamatest.Model(t, llm, ollamatest.RandomFile)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "hinweis.md"), []byte("# Hinweis\n\nDas Bürgerbüro ist am Montag geschlossen. Anträge können online gestellt werden.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "kaputt.pdf"), []byte("%PDF-1.7 broken"), 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"CIVITAS_DATABASE_URL": dbURL, "CIVITAS_OLLAMA_URL": os.Getenv(ollamatest.EnvURL), "CIVITAS_EMBED_MODEL": model}
	var stdout, stderr bytes.Buffer
	m := &Main{Stdout: &stdout, Stderr: &stderr, Getenv: func(k string) string { return env[k] }}
	err := m.Run(context.Background(), []string{"--json", "--collection", dbtest.UniqueName("cmdtest-"), dir})
	if !errors.Is(err, errFilesFailed) {
		t.Fatalf("Run error = %v, want errFilesFailed (one broken file)\n%s", err, stderr.String())
	}
	var rep map[string]any
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("stdout is not one JSON object: %v\n%s", err, stdout.String())
	}
	for _, k := range []string{"added", "updated", "unchanged", "removed", "failed", "pages", "chunks", "files"} {
		if _, ok := rep[k]; !ok {
			t.Errorf("report lacks %q", k)
		}
	}
	if rep["added"] != 1.0 || rep["failed"] != 1.0 {
		t.Errorf("added %v, failed %v; want 1 and 1", rep["added"], rep["failed"])
	}
	files, _ := rep["files"].([]any)
	for _, f := range files {
		fm := f.(map[string]any)
		for _, k := range []string{"path", "status", "pages", "chunks"} {
			if _, ok := fm[k]; !ok {
				t.Errorf("file entry lacks %q: %v", k, fm)
			}
		}
		if fm["status"] == "failed" && fm["reason"] == "" {
			t.Errorf("failed file without reason: %v", fm)
		}
	}
	if !strings.Contains(stderr.String(), "Failed files (1)") || !strings.Contains(stderr.String(), "kaputt.pdf") {
		t.Errorf("summary does not list the failure:\n%s", stderr.String())
	}
}
