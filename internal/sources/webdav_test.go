package sources_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/civitas-eu/civitas/internal/sources"
)

// TestWebDAVSyncFollowsAddChangeDelete: a real WebDAV server (x/net/webdav
// over a temp folder); between two syncs a file is added, one changed and
// one deleted, and the collection follows; a third sync with nothing
// changed reads nothing again (all unchanged by ETag).
func TestWebDAVSyncFollowsAddChangeDelete(t *testing.T) {
	b := setup(t)
	dir := t.TempDir()
	write(t, filepath.Join(dir, "a.md"), "# Parking\n\nResidents' parking permits cost 30 euros a year.")
	write(t, filepath.Join(dir, "sub/b.md"), "# Waste\n\nBins are emptied every Tuesday.")
	write(t, filepath.Join(dir, "c.md"), "# Library\n\nThe library opens at nine.")
	srv := davServer(t, dir)
	src := b.add(t, sources.Source{Kind: "webdav", URL: srv.URL + "/"})

	want(t, b.sync(t, src), 3, 0, 0, 0, 0)
	if got := b.current(t, src.Collection); len(got) != 3 || got[sources.URI(src.Name, "sub/b.md")] == "" {
		t.Fatalf("after the first sync: %v", got)
	}
	write(t, filepath.Join(dir, "a.md"), "# Parking\n\nResidents' parking permits now cost 40 euros a year.")
	write(t, filepath.Join(dir, "d.md"), "# Swimming pool\n\nThe pool is closed in August.")
	if err := os.Remove(filepath.Join(dir, "c.md")); err != nil {
		t.Fatal(err)
	}
	want(t, b.sync(t, src), 1, 1, 1, 1, 0)
	got := b.current(t, src.Collection)
	if len(got) != 3 || got[sources.URI(src.Name, "d.md")] == "" || got[sources.URI(src.Name, "c.md")] != "" {
		t.Fatalf("after the second sync: %v", got)
	}
	want(t, b.sync(t, src), 0, 0, 3, 0, 0)

	runs, err := b.st.Runs(context.Background(), src.ID, 10)
	if err != nil || len(runs) != 3 || runs[0].Status != "done" || runs[0].Unchanged != 3 {
		t.Fatalf("runs: %+v %v", runs, err)
	}
}

// TestUnreachableWebDAVLeavesCollectionUntouched: when the server is gone,
// the run fails with the reason and removes nothing.
func TestUnreachableWebDAVLeavesCollectionUntouched(t *testing.T) {
	b := setup(t)
	dir := t.TempDir()
	write(t, filepath.Join(dir, "a.md"), "# Parking\n\nPermits cost 30 euros.")
	write(t, filepath.Join(dir, "b.md"), "# Waste\n\nBins go out on Tuesday.")
	srv := davServer(t, dir)
	src := b.add(t, sources.Source{Kind: "webdav", URL: srv.URL})
	want(t, b.sync(t, src), 2, 0, 0, 0, 0)
	srv.Close()
	run := b.sync(t, src)
	if run.Status != "failed" || !strings.Contains(run.Error, "listing failed") || run.Removed != 0 {
		t.Fatalf("sync of an unreachable server: %+v", run)
	}
	if got := b.current(t, src.Collection); len(got) != 2 {
		t.Fatalf("the collection changed after a failed listing: %v", got)
	}
	s, err := b.st.Get(context.Background(), src.ID)
	if err != nil || s.LastRun == nil || s.LastRun.Status != "failed" || s.LastRun.Error == "" {
		t.Fatalf("the source does not show the failed run: %+v %v", s.LastRun, err)
	}
}

// TestRedirectToPublicAddressRefused: a local WebDAV server that
// redirects to a public address does not lead the sync out of the
// allowed networks: the connection is refused when dialled (the guard is
// on the dialer), the run fails and names the refusal.
func TestRedirectToPublicAddressRefused(t *testing.T) {
	b := setup(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://8.8.8.8/dav/", http.StatusTemporaryRedirect)
	}))
	t.Cleanup(srv.Close)
	src := b.add(t, sources.Source{Kind: "webdav", URL: srv.URL})
	run := b.sync(t, src)
	if run.Status != "failed" || !strings.Contains(run.Error, "public address") {
		t.Fatalf("sync through a redirect to a public address: %+v", run)
	}
}
