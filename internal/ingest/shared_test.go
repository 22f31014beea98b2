package ingest_test

import (
	"path/filepath"
	"testing"

	"github.com/civitas-eu/civitas/internal/sharedtest"
)

// sharedData finds the shared test data, or skips.
func sharedData(t testing.TB) string { return sharedtest.DataDir(t) }

// TestSharedCorpusTwice ingests every real document and every hostile file
// of the shared data: nothing panics or hangs, every failure has a reason,
// every readable document is stored, and a second run changes nothing.
func TestSharedCorpusTwice(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the shared-corpus ingest (minutes)")
	}
	e := setup(t)
	data := sharedData(t)
	opts := e.options(filepath.Join(data, "docs"), filepath.Join(data, "hostile"))
	opts.Chunk.TargetTokens, opts.Chunk.MaxTokens, opts.Chunk.OverlapTokens = 0, 0, 0 // the defaults
	opts.BatchSize = 32

	first := e.run(t, opts)
	t.Logf("first run: %d added, %d failed, %d pages, %d chunks in %.1fs", first.Added, first.Failed, first.Pages, first.Chunks, first.Duration)
	byName := map[string]string{}
	for _, f := range first.Files {
		rel, _ := filepath.Rel(data, f.Path)
		byName[rel] = f.Status
		if f.Status == "failed" {
			t.Logf("  failed %s: %s", rel, f.Reason)
			if f.Reason == "" {
				t.Errorf("%s failed without a reason", rel)
			}
		}
	}
	// Every real document with a text layer must be stored.
	docs, _ := filepath.Glob(filepath.Join(data, "docs", "*.*"))
	for _, d := range docs {
		rel, _ := filepath.Rel(data, d)
		if byName[rel] != "added" {
			t.Errorf("%s: status %q, want added", rel, byName[rel])
		}
	}
	if first.Added+first.Failed != len(first.Files) {
		t.Errorf("report counts do not add up: %+v", first)
	}
	s := e.state(t)
	s.consistent(t)

	second := e.run(t, opts)
	if second.Changes() != 0 || second.Unchanged != first.Added || second.Failed != first.Failed {
		t.Errorf("second run: %d added, %d updated, %d removed, %d unchanged, %d failed; want no change",
			second.Added, second.Updated, second.Removed, second.Unchanged, second.Failed)
	}
	if s2 := e.state(t); s2 != s {
		t.Errorf("second run changed the database: %+v, was %+v", s2, s)
	}
}
