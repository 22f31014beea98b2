package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/civitas-eu/civitas/internal/dbtest"
	"github.com/civitas-eu/civitas/internal/ollama/ollamatest"
	"github.com/civitas-eu/civitas/internal/originals"
)

// TestTwoIngestWorkersStoreEachDocumentOnce runs two ingest processes
// at once over the same folder, as two workers of a deployment would:
// each file becomes one document, and its original is in the store once,
// where every assistant replica opens it.
func TestTwoIngestWorkersStoreEachDocumentOnce(t *testing.T) {
	dbtest.LockActiveModels(t) // the ingest binary embeds with the active model
	dbURL := dbtest.URL(t)
	pool := dbtest.Migrated(t)
	llm := ollamatest.Client(t)
	model := ollamatest.Model(t, llm, ollamatest.RandomFile)
	coll := dbtest.UniqueName("cmdtest-")
	dir := t.TempDir()
	files := map[string][]byte{}
	for i, topic := range []string{"Hundesteuer", "Parkausweis", "Sperrmüll"} {
		name := fmt.Sprintf("hinweis-%d.md", i)
		files[name] = []byte(fmt.Sprintf("# %s\n\nHinweis %s der Sammlung %s: das Bürgerbüro hilft.\n", topic, topic, coll))
		if err := os.WriteFile(filepath.Join(dir, name), files[name], 0o644); err != nil {
			t.Fatal(err)
		}
	}
	env := map[string]string{"CIVITAS_DATABASE_URL": dbURL, "CIVITAS_OLLAMA_URL": os.Getenv(ollamatest.EnvURL), "CIVITAS_EMBED_MODEL": model}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	logs := make([]bytes.Buffer, 2)
	for i := range 2 {
		wg.Go(func() {
			m := &Main{Stdout: io.Discard, Stderr: &logs[i], Getenv: func(k string) string { return env[k] }}
			errs[i] = m.Run(context.Background(), []string{"--quiet", "--collection", coll, dir})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("worker %d: %v\n%s", i, err, logs[i].String())
		}
	}

	var docs, current int
	if err := pool.QueryRow(context.Background(), `SELECT count(*), count(*) FILTER (WHERE d.superseded_by IS NULL)
		FROM documents d JOIN collections c ON c.id = d.collection_id WHERE c.name = $1`, coll).Scan(&docs, &current); err != nil {
		t.Fatal(err)
	}
	if docs != len(files) || current != len(files) {
		t.Fatalf("%d documents (%d current) for %d files; want each stored once", docs, current, len(files))
	}
	store, err := originals.NewPostgres(pool)
	if err != nil {
		t.Fatal(err)
	}
	for name, content := range files {
		sum := sha256.Sum256(content)
		var copies int
		if err := pool.QueryRow(context.Background(), `SELECT count(*) FROM originals WHERE hash = $1`, sum[:]).Scan(&copies); err != nil || copies != 1 {
			t.Fatalf("%s: %d stored originals (%v), want 1", name, copies, err)
		}
		rc, err := store.Open(context.Background(), sum[:])
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || !bytes.Equal(got, content) {
			t.Fatalf("%s: stored original %q (%v), want the file's bytes", name, got, err)
		}
	}
}
