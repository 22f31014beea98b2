package ingest_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/civitas-eu/civitas/internal/ingest"
	"github.com/civitas-eu/civitas/internal/ollama"
)

func statuses(rep *ingest.Report) map[string]string {
	out := map[string]string{}
	for _, f := range rep.Files {
		out[filepath.Base(f.Path)] = f.Status
	}
	return out
}

// documentIDs maps each file of a report to the document id it reports.
func documentIDs(rep *ingest.Report) map[string]int64 {
	out := map[string]int64{}
	for _, f := range rep.Files {
		out[filepath.Base(f.Path)] = f.DocumentID
	}
	return out
}

func TestRunIsIdempotentAndTracksChanges(t *testing.T) {
	e := setup(t)
	dir := writeCorpus(t, 8)
	writeFile(t, filepath.Join(dir, "broken.pdf"), []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> garbage"))
	writeFile(t, filepath.Join(dir, "empty.txt"), nil)

	first := e.run(t, e.options(dir))
	if first.Added != 8 || first.Failed != 2 || first.Chunks < 8 || first.Pages < 4 {
		t.Fatalf("first run: %+v", first)
	}
	for _, f := range first.Files {
		if f.Status == ingest.StatusFailed && f.Reason == "" {
			t.Errorf("failure of %s has no reason", f.Path)
		}
		if f.Status == ingest.StatusAdded && f.Language == "" {
			t.Errorf("%s: no language detected", f.Path)
		}
		if (f.Status == ingest.StatusAdded) != (f.DocumentID != 0) {
			t.Errorf("%s: %s with document id %d", f.Path, f.Status, f.DocumentID)
		}
	}
	s1 := e.state(t)
	s1.consistent(t)
	if s1.Current != 8 || s1.Claims != 0 {
		t.Errorf("after first run: %+v, want 8 current documents and no claims left", s1)
	}

	second := e.run(t, e.options(dir))
	if second.Changes() != 0 || second.Unchanged != 8 || second.Failed != 2 {
		t.Errorf("second run changed something: %+v", second)
	}
	if s2 := e.state(t); s2 != s1 {
		t.Errorf("second run changed the database: %+v, was %+v", s2, s1)
	}
	ids := documentIDs(first)
	for _, f := range second.Files {
		if f.Status == ingest.StatusUnchanged && f.DocumentID != ids[filepath.Base(f.Path)] {
			t.Errorf("%s unchanged: document id %d, want the stored %d", f.Path, f.DocumentID, ids[filepath.Base(f.Path)])
		}
	}

	// Changed content: a new version, the old one kept on record.
	md := filepath.Join(dir, "merkblatt-01.md")
	writeFile(t, md, []byte("# Merkblatt 1\n\nDie Gebühr wurde auf 99 Euro erhöht.\n"))
	third := e.run(t, e.options(dir))
	if third.Updated != 1 || statuses(third)["merkblatt-01.md"] != ingest.StatusUpdated || third.Added != 0 {
		t.Errorf("after an edit: %+v", third)
	}
	if id := documentIDs(third)["merkblatt-01.md"]; id == 0 || id == ids["merkblatt-01.md"] {
		t.Errorf("updated file: document id %d, want the new version's (the old one was %d)", id, ids["merkblatt-01.md"])
	}
	s3 := e.state(t)
	s3.consistent(t)
	if s3.Current != 8 || s3.Superseded != 1 {
		t.Errorf("after an edit: %+v, want 8 current and 1 superseded version", s3)
	}

	// A removed file disappears with --prune, and only then.
	if err := os.Remove(md); err != nil {
		t.Fatal(err)
	}
	opts := e.options(dir)
	if rep := e.run(t, opts); rep.Removed != 0 || e.state(t).Current != 8 {
		t.Errorf("without --prune a removed file's document was removed: %+v", rep)
	}
	opts.Prune = true
	pruned := e.run(t, opts)
	if pruned.Removed != 1 || statuses(pruned)["merkblatt-01.md"] != ingest.StatusRemoved {
		t.Errorf("--prune: %+v", pruned)
	}
	s4 := e.state(t)
	s4.consistent(t)
	if s4.Current != 7 || s4.Superseded != 0 {
		t.Errorf("after --prune: %+v, want 7 current documents and the removed one's history gone", s4)
	}
}

func TestDryRunWritesNothing(t *testing.T) {
	e := setup(t)
	dir := writeCorpus(t, 4)
	opts := e.options(dir)
	opts.DryRun = true
	rep := e.run(t, opts)
	if rep.Added != 4 || !rep.DryRun || rep.Chunks == 0 {
		t.Errorf("dry run report: %+v", rep)
	}
	if s := e.state(t); s.Current != 0 || s.Chunks != 0 || s.Claims != 0 {
		t.Errorf("dry run wrote: %+v", s)
	}
}

func TestIncludeExcludeGlobs(t *testing.T) {
	e := setup(t)
	dir := writeCorpus(t, 8)
	opts := e.options(dir)
	opts.Include = []string{"*.pdf", "*.md"}
	opts.Exclude = []string{"*-05.md"}
	rep := e.run(t, opts)
	for name := range statuses(rep) {
		if !(strings.HasSuffix(name, ".pdf") || strings.HasSuffix(name, ".md")) || name == "merkblatt-05.md" {
			t.Errorf("%s should have been filtered out", name)
		}
	}
	if rep.Added != 3 {
		t.Errorf("added %d files, want 3 (2 PDFs, 1 Markdown)", rep.Added)
	}
	opts.Include = []string{"[unclosed"}
	if _, err := ingest.New(e.store, e.llm, nil).Run(context.Background(), opts); err == nil || !strings.Contains(err.Error(), "--include") {
		t.Errorf("bad glob: error = %v, want one naming --include", err)
	}
}

func TestMissingEmbeddingModelFailsFast(t *testing.T) {
	e := setup(t)
	opts := e.options(writeCorpus(t, 2))
	opts.EmbedModel = "no-such-embedder"
	_, err := ingest.New(e.store, e.llm, nil).Run(context.Background(), opts)
	if !errors.Is(err, ollama.ErrModelNotFound) {
		t.Fatalf("error = %v, want ErrModelNotFound", err)
	}
	for _, want := range []string{"no-such-embedder", e.llm.URL(), "ollama pull"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

// Two processes (here: two Ingesters, each its own claim owner) over the
// same folder share the work and never store a document twice.
func TestConcurrentIngestersShareWork(t *testing.T) {
	e := setup(t)
	dir := writeCorpus(t, 16)
	var wg sync.WaitGroup
	reps := make([]*ingest.Report, 2)
	for i := range reps {
		wg.Go(func() { reps[i] = e.run(t, e.options(dir)) })
	}
	wg.Wait()
	if added := reps[0].Added + reps[1].Added; added != 16 {
		t.Errorf("added %d + %d documents, want 16 in all", reps[0].Added, reps[1].Added)
	}
	if failed := reps[0].Failed + reps[1].Failed; failed != 0 {
		t.Errorf("%d files failed in concurrent runs: %+v %+v", failed, reps[0].Files, reps[1].Files)
	}
	s := e.state(t)
	s.consistent(t)
	if s.Current != 16 || s.Superseded != 0 || s.Claims != 0 {
		t.Errorf("after two concurrent runs: %+v", s)
	}
}

// Without an embedding model documents are still stored and found by full
// text; a later run with the model adds the vectors and changes nothing
// else.
func TestLexicalOnlyThenEmbed(t *testing.T) {
	e := setup(t)
	dir := writeCorpus(t, 4)
	opts := e.options(dir)
	opts.LexicalOnly = true
	opts.EmbedModel = ""
	if rep := e.run(t, opts); rep.Added != 4 {
		t.Fatalf("lexical-only run: %+v", rep)
	}
	s := e.state(t)
	if s.Current != 4 || s.Chunks == 0 || s.Embeddings != 0 {
		t.Fatalf("after lexical-only run: %+v, want chunks without vectors", s)
	}
	rep := e.run(t, e.options(dir))
	if rep.Changes() != 0 || rep.Unchanged != 4 {
		t.Errorf("run with the model: %+v, want 4 unchanged documents", rep)
	}
	s2 := e.state(t)
	s2.consistent(t)
	if s2.Embeddings != s.Chunks || s2.Chunks != s.Chunks {
		t.Errorf("after embedding: %+v, want one vector per chunk (%d)", s2, s.Chunks)
	}
}
