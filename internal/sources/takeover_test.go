package sources_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/civitas-eu/civitas/internal/dbtest"
	"github.com/civitas-eu/civitas/internal/sources"
)

// TestReusedSourceNameCannotTakeOverDocuments: removing a source leaves
// its documents, under source://NAME/…. A manager who then adds a source
// of the same name into that collection, without the old source's groups,
// must neither overwrite those documents (making a restricted one public
// with content of their choosing) nor, by dropping the entry from their
// listing, have the next sync delete a document they may not see.
func TestReusedSourceNameCannotTakeOverDocuments(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	name, coll := dbtest.UniqueName("reuse-"), dbtest.UniqueName("coll-")
	dirA, dirB := t.TempDir(), t.TempDir()
	write(t, filepath.Join(dirA, "a.md"), "# Council\n\nThe restricted council minutes of March.")
	srcA := b.add(t, sources.Source{Name: name, Kind: "webdav", URL: davServer(t, dirA).URL + "/", Collection: coll, Groups: []string{"council"}})
	want(t, b.sync(t, srcA), 1, 0, 0, 0, 0)
	if err := b.st.Delete(ctx, srcA.ID); err != nil {
		t.Fatal(err)
	}

	write(t, filepath.Join(dirB, "a.md"), "# Public\n\nAnyone may read this replacement.")
	srcB := b.add(t, sources.Source{Name: name, Kind: "webdav", URL: davServer(t, dirB).URL + "/", Collection: coll})
	run := b.sync(t, srcB)
	if run.Added+run.Updated != 0 || run.Failed != 1 {
		t.Errorf("the new source took over the old one's document: %+v", run)
	}
	collID, err := b.docs.EnsureCollection(ctx, coll)
	if err != nil {
		t.Fatal(err)
	}
	uri := sources.URI(name, "a.md")
	cur, err := b.docs.Current(ctx, collID, uri)
	if err != nil || !slices.Equal(cur.AccessGroups, []string{"council"}) || cur.Version != 1 {
		t.Fatalf("the council's document after the new source's sync: %+v %v", cur, err)
	}
	if err := os.Remove(filepath.Join(dirB, "a.md")); err != nil {
		t.Fatal(err)
	}
	if run := b.sync(t, srcB); run.Removed != 0 {
		t.Errorf("the new source's sync removed %d documents", run.Removed)
	}
	if _, err := b.docs.Current(ctx, collID, uri); err != nil {
		t.Errorf("the council's document is gone: %v", err)
	}
}
