package ingest_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/civitas-eu/civitas/internal/chunk"
	"github.com/civitas-eu/civitas/internal/dbtest"
	"github.com/civitas-eu/civitas/internal/extract"
	"github.com/civitas-eu/civitas/internal/ingest"
	"github.com/civitas-eu/civitas/internal/ollama"
	"github.com/civitas-eu/civitas/internal/ollama/ollamatest"
	"github.com/civitas-eu/civitas/internal/pdfmake"
	"github.com/civitas-eu/civitas/internal/store"
)

// env is what an ingest test needs: the migrated database, a store over it,
// the real Ollama with an embedding model, and a collection of its own.
type env struct {
	pool       *pgxpool.Pool
	store      *store.Store
	llm        *ollama.Client
	model      string
	collection string
}

func setup(t testing.TB) env {
	t.Helper()
	pool := dbtest.Migrated(t)
	llm := ollamatest.Client(t)
	model := ollamatest.Model(t, llm, ollamatest.RandomFile)
	st, err := store.New(pool)
	if err != nil {
		t.Fatal(err)
	}
	return env{pool: pool, store: st, llm: llm, model: model, collection: dbtest.UniqueName("test-")}
}

func (e env) options(roots ...string) ingest.Options {
	return ingest.Options{
		Roots: roots, Collection: e.collection, EmbedModel: e.model, Workers: 2, BatchSize: 8,
		Extract: extract.DefaultOptions(), Chunk: chunk.Options{TargetTokens: 120, MaxTokens: 200, OverlapTokens: 20},
		Lease: 30 * time.Second,
	}
}

func (e env) run(t *testing.T, opts ingest.Options) *ingest.Report {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	in := ingest.New(e.store, e.llm, slog.New(slog.NewTextHandler(io.Discard, nil)))
	rep, err := in.Run(ctx, opts)
	if err != nil {
		t.Fatalf("ingest run: %v", err)
	}
	return rep
}

// state is what a collection holds, for comparing runs.
type state struct {
	Current, Superseded, Chunks, Embeddings, Claims                   int
	OrphanChunks, ChunksWithoutVector, DuplicateCurrent, EmptyCurrent int
}

func (e env) state(t testing.TB) state {
	t.Helper()
	var s state
	err := e.pool.QueryRow(context.Background(), `
		WITH d AS (SELECT d.* FROM documents d JOIN collections c ON c.id = d.collection_id WHERE c.name = $1)
		SELECT
		  (SELECT count(*) FROM d WHERE superseded_by IS NULL),
		  (SELECT count(*) FROM d WHERE superseded_by IS NOT NULL),
		  (SELECT count(*) FROM chunks ch JOIN d ON d.id = ch.document_id),
		  (SELECT count(*) FROM embeddings e JOIN chunks ch ON ch.id = e.chunk_id JOIN d ON d.id = ch.document_id),
		  (SELECT count(*) FROM ingest_claims ic JOIN collections c ON c.id = ic.collection_id WHERE c.name = $1),
		  (SELECT count(*) FROM chunks ch JOIN d ON d.id = ch.document_id WHERE d.superseded_by IS NOT NULL),
		  (SELECT count(*) FROM chunks ch JOIN d ON d.id = ch.document_id
		     WHERE NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.chunk_id = ch.id)),
		  (SELECT count(*) FROM (SELECT source_uri FROM d WHERE superseded_by IS NULL GROUP BY source_uri HAVING count(*) > 1) x),
		  (SELECT count(*) FROM d WHERE superseded_by IS NULL AND NOT EXISTS (SELECT 1 FROM chunks ch WHERE ch.document_id = d.id))`,
		e.collection).Scan(&s.Current, &s.Superseded, &s.Chunks, &s.Embeddings, &s.Claims,
		&s.OrphanChunks, &s.ChunksWithoutVector, &s.DuplicateCurrent, &s.EmptyCurrent)
	if err != nil {
		t.Fatalf("read collection state: %v", err)
	}
	return s
}

// consistent fails the test if the collection breaks an invariant that a
// crash must never break.
func (s state) consistent(t *testing.T) {
	t.Helper()
	if s.OrphanChunks+s.ChunksWithoutVector+s.DuplicateCurrent+s.EmptyCurrent != 0 || s.Chunks != s.Embeddings {
		t.Errorf("inconsistent state: %+v", s)
	}
}

// writeCorpus writes n small documents of several formats, plus the given
// broken files, into a new folder.
func writeCorpus(t testing.TB, n int) string {
	t.Helper()
	dir := t.TempDir()
	for i := range n {
		var name string
		var data []byte
		switch i % 4 {
		case 0:
			name, data = fmt.Sprintf("satzung-%02d.pdf", i), makePDF(t, i)
		case 1:
			name = fmt.Sprintf("merkblatt-%02d.md", i)
			data = fmt.Appendf(nil, "# Merkblatt %d\n\n## Gebühren\n\nDie Gebühr für den Antrag Nummer %d beträgt %d Euro. Anträge werden im Bürgerbüro der Stadt gestellt und innerhalb von zehn Arbeitstagen bearbeitet.\n\n- Personalausweis\n- Meldebescheinigung\n\n| Leistung | Preis |\n|---|---|\n| Ausweis | %d € |\n", i, i, 10+i, 20+i)
		case 2:
			name = fmt.Sprintf("notice-%02d.html", i)
			data = fmt.Appendf(nil, `<!doctype html><html lang="en"><head><title>Notice %d</title></head><body><nav>Home | Contact</nav><main><h1>Waste collection notice %d</h1><p>Bins in zone %d are collected on Tuesdays from 7 am. Please put your bin at the kerb the evening before.</p><ul><li>Blue bin: paper</li><li>Green bin: garden waste</li></ul></main><script>track()</script></body></html>`, i, i, i)
		default:
			name = fmt.Sprintf("avis-%02d.txt", i)
			data = fmt.Appendf(nil, "AVIS AU PUBLIC %d\n\nLa mairie sera fermée le lundi %d mai pour des travaux. Les demandes d'état civil peuvent être déposées en ligne pendant cette période.\n", i, i%28+1)
		}
		writeFile(t, filepath.Join(dir, name), data)
	}
	return dir
}

func makePDF(t testing.TB, i int) []byte {
	t.Helper()
	d := pdfmake.New(fmt.Sprintf("Satzung Nr. %d", i))
	d.Footer = "Stadt Erlenbrück – Amtsblatt"
	d.PageLabel = "Seite"
	d.Heading(fmt.Sprintf("Satzung Nr. %d über die Gebühren", i))
	d.Subheading("§ 1 Geltungsbereich")
	d.Paragraph("Diese Satzung gilt für die Benutzung der öffentlichen Einrichtungen der Stadt Erlenbrück. Sie regelt die Erhebung von Gebühren und Auslagen für Amtshandlungen.")
	d.PageBreak()
	d.Subheading("§ 2 Gebührenhöhe")
	d.Paragraph(fmt.Sprintf("Die Gebühr beträgt %d Euro je Amtshandlung. Für Personen mit geringem Einkommen wird die Gebühr auf Antrag um die Hälfte ermäßigt.", 15+i))
	var buf bytes.Buffer
	if _, err := d.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func writeFile(t testing.TB, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}
