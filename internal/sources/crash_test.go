package sources_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/civitas-eu/civitas/internal/sources"
)

// childEnv names the variable that makes the test binary a sync worker:
// it syncs the source with that id and exits (TestMain).
const childEnv = "CIVITAS_TEST_SOURCES_CHILD"

func TestMain(m *testing.M) {
	if id := os.Getenv(childEnv); id != "" {
		os.Exit(runChild(id))
	}
	os.Exit(m.Run())
}

// runChild is the worker process that TestKilledSyncConverges kills.
func runChild(idText string) int {
	id, _ := strconv.ParseInt(idText, 10, 64)
	t := &testing.T{}
	b := setup(t)
	if _, err := b.engine.Sync(context.Background(), id, 0); err != nil {
		fmt.Fprintln(os.Stderr, "child sync:", err)
		return 1
	}
	return 0
}

// TestKilledSyncConverges kills a worker process with SIGKILL in the
// middle of a sync; once its lease lapses, the next run marks the killed
// run interrupted, ingests only what was not recorded, and the collection
// holds each entry exactly once.
func TestKilledSyncConverges(t *testing.T) {
	b := setup(t)
	dir := t.TempDir()
	const n = 80
	for i := range n {
		write(t, filepath.Join(dir, fmt.Sprintf("f%03d.md", i)), fmt.Sprintf("# Notice %d\n\nThe office %d opens at %d o'clock on weekdays.", i, i, 7+i%5))
	}
	srv := davServer(t, dir)
	src := b.add(t, sources.Source{Kind: "webdav", URL: srv.URL})

	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+strconv.FormatInt(src.ID, 10))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	ctx := context.Background()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		var items int
		if err := b.docs.DB().QueryRow(ctx, "SELECT count(*) FROM source_items WHERE source_id = $1", src.ID).Scan(&items); err != nil {
			t.Fatal(err)
		}
		if items >= 5 {
			break
		}
		select {
		case err := <-exited:
			t.Fatalf("the worker finished (%v) before it could be killed", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("no progress within 2 minutes")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-exited
	t.Logf("killed after %s", time.Since(start))

	// The dead worker still holds the source until its lease lapses.
	if _, err := b.engine.Sync(ctx, src.ID, 0); err != sources.ErrBusy {
		t.Fatalf("sync while the killed worker's lease holds: %v, want ErrBusy", err)
	}
	deadline = time.Now().Add(30 * time.Second)
	var run sources.Run
	for {
		run, err = b.engine.Sync(ctx, src.ID, 0)
		if err != sources.ErrBusy {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the killed worker's lease never lapsed")
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("converged after %s", time.Since(start))
	if run.Status != "done" || run.Failed != 0 || run.Added+run.Updated+run.Unchanged != n || run.Unchanged < 5 {
		t.Fatalf("run after the kill: %+v", run)
	}
	if got := b.current(t, src.Collection); len(got) != n {
		t.Fatalf("%d current documents, want %d", len(got), n)
	}
	var dup int
	if err := b.docs.DB().QueryRow(ctx, `SELECT count(*) FROM (SELECT source_uri FROM documents d JOIN collections c ON c.id = d.collection_id
		WHERE c.name = $1 AND d.superseded_by IS NULL GROUP BY source_uri HAVING count(*) > 1) x`, src.Collection).Scan(&dup); err != nil || dup != 0 {
		t.Fatalf("%d documents stored twice (%v)", dup, err)
	}
	runs, err := b.st.Runs(ctx, src.ID, 5)
	if err != nil || len(runs) != 2 || runs[1].Status != "interrupted" {
		t.Fatalf("runs: %+v %v", runs, err)
	}
	want(t, b.sync(t, src), 0, 0, n, 0, 0)
}
