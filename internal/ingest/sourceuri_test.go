package ingest_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/civitas-eu/civitas/internal/ingest"
)

// TestSourceURI: a file ingested under another source URI (an upload still
// waiting under a temporary name) is stored as the document at that URI,
// typed by that URI's name, and a changed file makes a new version of it.
func TestSourceURI(t *testing.T) {
	e := setup(t)
	dir := t.TempDir()
	waiting := filepath.Join(dir, ".incoming", "upload-123") // no extension: the type comes from the URI
	uri := filepath.Join(dir, "final", "merkblatt.md")       // does not exist yet
	writeFile(t, waiting, []byte("# Merkblatt\n\n## Gebühren\n\nDie Gebühr für den Antrag beträgt 20 Euro und wird im Bürgerbüro bezahlt.\n"))

	opts := e.options(waiting)
	opts.SourceURI = uri
	rep := e.run(t, opts)
	if len(rep.Files) != 1 || rep.Files[0].Path != uri || rep.Files[0].Status != ingest.StatusAdded {
		t.Fatalf("files %+v, want %s added", rep.Files, uri)
	}
	var source, media string
	var versions int
	err := e.pool.QueryRow(context.Background(), `SELECT max(d.source_uri), max(d.media_type), count(*) FROM documents d
		JOIN collections c ON c.id = d.collection_id WHERE c.name = $1`, e.collection).Scan(&source, &media, &versions)
	if err != nil || source != uri || media != "text/markdown" || versions != 1 {
		t.Fatalf("stored %q (%s), %d versions, %v; want %s as Markdown", source, media, versions, err, uri)
	}

	if rep := e.run(t, opts); rep.Unchanged != 1 {
		t.Errorf("same bytes again: %+v, want unchanged", rep.Files)
	}
	writeFile(t, waiting, []byte("# Merkblatt\n\n## Gebühren\n\nDie Gebühr für den Antrag beträgt 25 Euro ab dem ersten Januar.\n"))
	if rep := e.run(t, opts); rep.Updated != 1 || rep.Files[0].Path != uri {
		t.Errorf("changed bytes: %+v, want %s updated", rep.Files, uri)
	}
	if s := e.state(t); s.Current != 1 || s.Superseded != 1 {
		t.Errorf("state %+v, want one current version and one superseded", s)
	}

	opts.Roots = []string{filepath.Join(dir, ".incoming", "gone")}
	if rep := e.run(t, opts); len(rep.Files) != 1 || rep.Files[0].Status != ingest.StatusFailed || rep.Files[0].Path != uri {
		t.Errorf("missing file: %+v, want %s failed", rep.Files, uri)
	}
	for name, o := range map[string]ingest.Options{
		"two roots": {Roots: []string{waiting, waiting}, SourceURI: uri, EmbedModel: e.model},
		"prune":     {Roots: []string{waiting}, SourceURI: uri, Prune: true, EmbedModel: e.model},
	} {
		if _, err := ingest.New(e.store, e.llm, nil).Run(context.Background(), o); err == nil || !strings.Contains(err.Error(), "source URI") {
			t.Errorf("%s: error %v, want one about the source URI", name, err)
		}
	}
}
