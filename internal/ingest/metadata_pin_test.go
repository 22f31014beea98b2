package ingest_test

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/civitas-eu/civitas/internal/insight"
)

// TestReingestKeepsAdminMetadataChange: a knowledge manager's or
// operator's metadata change (restricting a document to a group, a new
// title) is not silently undone by the next run of the same ingest
// configuration, neither for unchanged content nor for a new version. An
// ingest run given other groups than the document was ingested with is a
// deliberate change and applies.
func TestReingestKeepsAdminMetadataChange(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "memo.txt")
	writeFile(t, path, []byte("Dienstanweisung\n\nDer Tresorcode der Kämmerei wird quartalsweise geändert.\n"))
	id := documentIDs(e.run(t, e.options(dir)))["memo.txt"]
	svc, err := insight.New(e.pool, e.store)
	if err != nil {
		t.Fatal(err)
	}
	groups, title := []string{"kaemmerei"}, "Tresor (nur Kämmerei)"
	if _, err := svc.UpdateMetadata(ctx, insight.MetadataChange{DocumentID: id, Title: &title, Groups: &groups}, insight.Changer{Operator: true}); err != nil {
		t.Fatal(err)
	}
	current := func() (int64, string, []string) {
		t.Helper()
		var cur int64
		var ti string
		var gs []string
		if err := e.pool.QueryRow(ctx, `SELECT d.id, d.title, d.access_groups FROM documents d JOIN collections c ON c.id = d.collection_id
			WHERE c.name = $1 AND d.source_uri = $2 AND d.superseded_by IS NULL`, e.collection, path).Scan(&cur, &ti, &gs); err != nil {
			t.Fatal(err)
		}
		return cur, ti, gs
	}

	e.run(t, e.options(dir))
	if _, ti, gs := current(); !slices.Equal(gs, groups) || ti != title || e.findable(t, id, nil) {
		t.Errorf("unchanged content ingested again: title %q, groups %v, want the change kept (%q, %v)", ti, gs, title, groups)
	}
	writeFile(t, path, []byte("Dienstanweisung\n\nDer Tresorcode der Kämmerei wird monatlich geändert.\n"))
	e.run(t, e.options(dir))
	if cur, ti, gs := current(); cur == id || !slices.Equal(gs, groups) || ti != title || e.findable(t, cur, nil) {
		t.Errorf("new version %d (was %d): title %q, groups %v, want the change kept (%q, %v)", cur, id, ti, gs, title, groups)
	}
	opts := e.options(dir)
	opts.Groups = []string{"alle"}
	e.run(t, opts)
	if _, _, gs := current(); !slices.Equal(gs, opts.Groups) {
		t.Errorf("ingest with other groups: %v, want %v (a deliberate change applies)", gs, opts.Groups)
	}
}

// TestReingestDoesNotCopyBackAMovedDocument: a document moved to another
// collection by a metadata change is not ingested again as a new
// document into the collection it left (a copy with the ingest run's
// groups, undoing the move's restriction): the run skips it and says
// where it went.
func TestReingestDoesNotCopyBackAMovedDocument(t *testing.T) {
	e := setup(t)
	ctx := context.Background()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "memo.txt"), []byte("Dienstanweisung\n\nDer Tresorcode der Kämmerei wird quartalsweise geändert.\n"))
	id := documentIDs(e.run(t, e.options(dir)))["memo.txt"]
	svc, err := insight.New(e.pool, e.store)
	if err != nil {
		t.Fatal(err)
	}
	to, groups := e.collection+"-restricted", []string{"kaemmerei"}
	t.Cleanup(func() { _, _ = e.pool.Exec(context.Background(), "DELETE FROM collections WHERE name = $1", to) })
	if _, err := svc.UpdateMetadata(ctx, insight.MetadataChange{DocumentID: id, Collection: &to, Groups: &groups}, insight.Changer{Operator: true}); err != nil {
		t.Fatal(err)
	}
	rep := e.run(t, e.options(dir))
	var n int64
	if err := e.pool.QueryRow(ctx, `SELECT count(*) FROM documents d JOIN collections c ON c.id = d.collection_id WHERE c.name = $1`, e.collection).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 || rep.Added != 0 {
		t.Errorf("ingest into the collection the document left: %d documents there, report %+v; want none", n, rep.Files)
	}
}
