package ingest_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/civitas-eu/civitas/internal/ingest"
	"github.com/civitas-eu/civitas/internal/store"
)

// findable reports whether a caller with groups retrieves document id by
// its word "Tresorcode".
func (e env) findable(t *testing.T, id int64, groups []string) bool {
	t.Helper()
	hits, err := e.store.RetrieveLexical(context.Background(), store.RetrieveQuery{
		RetrieveFilter: store.RetrieveFilter{Collections: []string{e.collection}, Groups: groups},
		Text:           "Tresorcode",
	})
	if err != nil {
		t.Fatal(err)
	}
	return slices.ContainsFunc(hits, func(h store.Retrieved) bool { return h.DocumentID == id })
}

// TestReingestWithNewGroupsUpdatesInPlace is finding 2 of issue 12: the
// same content ingested again with other access groups is a change. The
// current version takes the groups in place (same id, same chunks and
// vectors, no new version), the change is audited, and a caller outside
// the new groups stops finding it at once.
func TestReingestWithNewGroupsUpdatesInPlace(t *testing.T) {
	e := setup(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "memo.txt"), []byte("Dienstanweisung\n\nDer Tresorcode der Kämmerei wird quartalsweise geändert.\n"))

	first := e.run(t, e.options(dir))
	id := documentIDs(first)["memo.txt"]
	if first.Added != 1 || id == 0 {
		t.Fatalf("first run: %+v", first)
	}
	if !e.findable(t, id, nil) {
		t.Fatal("the public document is not found by a caller without groups")
	}
	before := e.state(t)
	chunksBefore, err := e.store.Chunks(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}

	opts := e.options(dir)
	opts.Groups = []string{"secret-grp"}
	dry := opts
	dry.DryRun = true
	if rep := e.run(t, dry); statuses(rep)["memo.txt"] != ingest.StatusUpdated || !e.findable(t, id, nil) {
		t.Fatalf("dry run: %+v, or it changed the groups", rep.Files)
	}
	second := e.run(t, opts)
	if second.Updated != 1 || statuses(second)["memo.txt"] != ingest.StatusUpdated || documentIDs(second)["memo.txt"] != id {
		t.Fatalf("same content, new groups: %+v, want document %d updated", second.Files, id)
	}
	if after := e.state(t); after != before {
		t.Errorf("the groups change wrote a version, chunks or vectors: %+v, was %+v", after, before)
	}
	chunksAfter, err := e.store.Chunks(context.Background(), id)
	if err != nil || fmt.Sprint(chunksAfter) != fmt.Sprint(chunksBefore) {
		t.Errorf("chunks changed (%v): %v, were %v", err, chunksAfter, chunksBefore)
	}
	doc, err := e.store.GetDocument(context.Background(), id)
	if err != nil || !slices.Equal(doc.AccessGroups, []string{"secret-grp"}) {
		t.Fatalf("document %d groups %v (%v), want [secret-grp]", id, doc.AccessGroups, err)
	}
	if e.findable(t, id, nil) || e.findable(t, id, []string{"other"}) {
		t.Error("a caller outside secret-grp still finds the document")
	}
	if !e.findable(t, id, []string{"secret-grp"}) {
		t.Error("a member of secret-grp no longer finds the document")
	}
	var events int
	err = e.pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_log
		WHERE action = 'document.updated' AND target = $1 AND details->>'change' = 'access_groups'
		  AND (details->'access_groups')::jsonb = '["secret-grp"]'::jsonb AND (details->'previous_access_groups')::jsonb = '[]'::jsonb`,
		fmt.Sprintf("document:%d", id)).Scan(&events)
	if err != nil || events != 1 {
		t.Errorf("%d audit events of the groups change (%v), want 1", events, err)
	}

	// The same groups again (another order, repeated) change nothing.
	opts.Groups = []string{"secret-grp", "secret-grp"}
	if third := e.run(t, opts); third.Changes() != 0 || third.Unchanged != 1 {
		t.Errorf("same groups again: %+v", third.Files)
	}
}

// TestWalkRefusesSymlinkOutsideRoot (issue 12): a symlink in an ingested
// folder that leads out of it is refused with a reason, whether to a file
// or a folder, and its target's content is not stored; a link within the
// folder is still followed.
func TestWalkRefusesSymlinkOutsideRoot(t *testing.T) {
	e := setup(t)
	dir, secret := t.TempDir(), t.TempDir()
	writeFile(t, filepath.Join(dir, "memo.txt"), []byte("Dienstanweisung\n\nDie Kantine öffnet um 11 Uhr.\n"))
	writeFile(t, filepath.Join(secret, "passwd.txt"), []byte("Geheim\n\nDer Tresorcode lautet 4711.\n"))
	writeFile(t, filepath.Join(dir, "sub", "plan.txt"), []byte("Plan\n\nDer Dienstplan hängt im Flur.\n"))
	for link, target := range map[string]string{
		"leak.txt":     filepath.Join(secret, "passwd.txt"),
		"leakdir":      secret,
		"inside.txt":   filepath.Join(dir, "sub", "plan.txt"),
		"relative.txt": "../" + filepath.Base(secret) + "/passwd.txt",
	} {
		if err := os.Symlink(target, filepath.Join(dir, link)); err != nil {
			t.Fatal(err)
		}
	}
	rep := e.run(t, e.options(dir))
	reasons := map[string]string{}
	for _, f := range rep.Files {
		rel, _ := filepath.Rel(dir, f.Path)
		reasons[rel] = f.Status + ": " + f.Reason
	}
	for _, name := range []string{"leak.txt", "leakdir", "relative.txt"} {
		if !strings.HasPrefix(reasons[name], "failed: symlink leads outside the folder") {
			t.Errorf("%s: %q, want refused as leading outside", name, reasons[name])
		}
	}
	for _, name := range []string{"memo.txt", "inside.txt", filepath.Join("sub", "plan.txt")} {
		if !strings.HasPrefix(reasons[name], "added") {
			t.Errorf("%s: %q, want added", name, reasons[name])
		}
	}
	hits, err := e.store.RetrieveLexical(context.Background(), store.RetrieveQuery{
		RetrieveFilter: store.RetrieveFilter{Collections: []string{e.collection}}, Text: "Tresorcode 4711"})
	if err != nil || len(hits) != 0 {
		t.Errorf("the outside file's text was stored: %d hits (%v)", len(hits), err)
	}
}
