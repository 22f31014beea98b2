package ingest_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/civitas-eu/civitas/internal/dbtest"
	"github.com/civitas-eu/civitas/internal/ollama/ollamatest"
)

// buildIngest compiles cmd/ingest into a temporary folder.
func buildIngest(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "ingest")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/civitas-eu/civitas/cmd/ingest").CombinedOutput()
	if err != nil {
		t.Fatalf("build cmd/ingest: %v\n%s", err, out)
	}
	return bin
}

// TestKilledRunConverges kills an ingest process with SIGKILL in the middle
// of a run, checks that the database is consistent at that moment, re-runs,
// and checks that the result equals an uninterrupted run over the same
// files: no duplicates, no orphans, same counts.
func TestKilledRunConverges(t *testing.T) {
	dbtest.LockActiveModels(t) // the ingest binary embeds with the active model
	e := setup(t)
	bin := buildIngest(t)
	dir := writeCorpus(t, 120)
	envv := append(os.Environ(),
		"CIVITAS_DATABASE_URL="+dbtest.URL(t),
		"CIVITAS_OLLAMA_URL="+os.Getenv(ollamatest.EnvURL),
		"CIVITAS_EMBED_MODEL="+e.model,
	)
	ingestCmd := func(collection string, extra ...string) *exec.Cmd {
		cmd := exec.Command(bin, append(append([]string{"--collection", collection, "--quiet"}, extra...), dir)...)
		cmd.Env = envv
		return cmd
	}

	// One chunk per request and one worker make the run long enough to be
	// killed in the middle.
	cmd := ingestCmd(e.collection, "--workers", "1", "--batch-size", "1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	// Kill as soon as some, but not all, documents are stored: poll the
	// database until then, with a deadline.
	deadline := time.Now().Add(2 * time.Minute)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for range tick.C {
		s := e.state(t)
		if s.Current >= 5 {
			break
		}
		select {
		case err := <-exited:
			t.Fatalf("ingest finished (%v) before it could be killed with %d documents stored; make the corpus larger\n%s", err, s.Current, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no progress within 2 minutes: %+v\n%s", s, stderr.String())
		}
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-exited
	killed := e.state(t)
	killed.consistent(t)
	if killed.Current >= 120 {
		t.Fatalf("the run had finished before the kill: %+v", killed)
	}
	t.Logf("killed with %d of 120 documents stored, %d claims left behind", killed.Current, killed.Claims)

	rerun := ingestCmd(e.collection)
	if out, err := rerun.CombinedOutput(); err != nil {
		t.Fatalf("re-run after the kill: %v\n%s", err, out)
	}
	recovered := e.state(t)
	recovered.consistent(t)

	clean := e
	clean.collection = e.collection + "-clean"
	if out, err := ingestCmd(clean.collection).CombinedOutput(); err != nil {
		t.Fatalf("clean run: %v\n%s", err, out)
	}
	want := clean.state(t)
	if recovered != want {
		t.Errorf("after kill and re-run: %+v\nuninterrupted run:    %+v", recovered, want)
	}
	if recovered.Current != 120 || recovered.Claims != 0 || recovered.Superseded != 0 {
		t.Errorf("after kill and re-run: %+v, want 120 current documents, no claims, no old versions", recovered)
	}
}
