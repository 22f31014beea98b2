package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/civitas-eu/civitas/internal/dbtest"
	"github.com/civitas-eu/civitas/internal/ollama/ollamatest"
)

func TestInterleave(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"flags first", []string{"--groups", "g", "/srv/hr"}, []string{"--groups", "g", "--", "/srv/hr"}},
		{"flags after a path", []string{"/srv/hr", "--groups", "personalamt"}, []string{"--groups", "personalamt", "--", "/srv/hr"}},
		{"interleaved", []string{"a", "--collection=c", "b", "--prune", "-workers", "3", "c"},
			[]string{"--collection=c", "--prune", "-workers", "3", "--", "a", "b", "c"}},
		{"bool flag takes no value", []string{"--dry-run", "a"}, []string{"--dry-run", "--", "a"}},
		{"config setting after a path", []string{"a", "--embed-model", "m"}, []string{"--embed-model", "m", "--", "a"}},
		{"-- ends the flags", []string{"--groups", "g", "--", "-odd-name", "--groups"}, []string{"--groups", "g", "--", "-odd-name", "--groups"}},
		{"unknown flag stays a flag", []string{"/srv/hr", "--grups", "x"}, []string{"--grups", "--", "/srv/hr", "x"}},
		{"dash alone is a path", []string{"-"}, []string{"--", "-"}},
		{"value that looks like a flag", []string{"--collection", "--x", "a"}, []string{"--collection", "--x", "--", "a"}},
	}
	for _, tt := range tests {
		if got := interleave(tt.args); !slices.Equal(got, tt.want) {
			t.Errorf("%s: interleave(%q) = %q, want %q", tt.name, tt.args, got, tt.want)
		}
	}
}

// TestIngestFlagsAfterPaths: `ingest DIR --groups g` stores DIR's
// documents with group g (the flag parser used to stop at DIR, store it
// without groups and take "--groups" for a file), and an argument that
// starts with "-" and names no flag is refused before anything is stored.
func TestIngestFlagsAfterPaths(t *testing.T) {
	dbtest.LockActiveModels(t) // the ingest binary embeds with the active model
	dbURL := dbtest.URL(t)
	pool := dbtest.Migrated(t)
	llm := ollamatest.Client(t)
	model := ollamatest.Model(t, llm, ollamatest.RandomFile)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "personal.md"), []byte("# Personalakte\n\nNur für das Personalamt.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"CIVITAS_DATABASE_URL": dbURL, "CIVITAS_OLLAMA_URL": os.Getenv(ollamatest.EnvURL), "CIVITAS_EMBED_MODEL": model}
	run := func(args ...string) (string, error) {
		var stdout, stderr bytes.Buffer
		m := &Main{Stdout: &stdout, Stderr: &stderr, Getenv: func(k string) string { return env[k] }}
		err := m.Run(context.Background(), append([]string{"--quiet", "--lexical-only"}, args...))
		return stderr.String(), err
	}
	groupsOf := func(collection string) [][]string {
		t.Helper()
		rows, err := pool.Query(context.Background(), `SELECT d.access_groups FROM documents d
			JOIN collections c ON c.id = d.collection_id WHERE c.name = $1 AND d.superseded_by IS NULL`, collection)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out [][]string
		for rows.Next() {
			var g []string
			if err := rows.Scan(&g); err != nil {
				t.Fatal(err)
			}
			out = append(out, g)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}

	collection := dbtest.UniqueName("flags-")
	if out, err := run(dir, "--groups", "personalamt", "--collection", collection); err != nil {
		t.Fatalf("ingest DIR --groups personalamt: %v\n%s", err, out)
	}
	if got := groupsOf(collection); len(got) != 1 || !slices.Equal(got[0], []string{"personalamt"}) {
		t.Errorf("stored access groups %q, want one document in group personalamt", got)
	}

	for _, args := range [][]string{
		{dir, "--grups", "personalamt"}, // a typo of a flag
		{dir, "-personalamt"},           // a file name that looks like a flag
	} {
		refused := dbtest.UniqueName("refused-")
		out, err := run(append(args, "--collection", refused)...)
		if err == nil || !strings.Contains(err.Error()+out, "flag provided but not defined") {
			t.Errorf("ingest %q: error %v, want the unknown flag refused\n%s", args, err, out)
		}
		if errors.Is(err, errFilesFailed) {
			t.Errorf("ingest %q ran (%v); it must stop before storing anything", args, err)
		}
		if got := groupsOf(refused); len(got) != 0 {
			t.Errorf("ingest %q stored %d documents; want none", args, len(got))
		}
	}
}
