package library_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/civitas-eu/civitas/internal/dbtest"
	"github.com/civitas-eu/civitas/internal/ingest"
	"github.com/civitas-eu/civitas/internal/jobs"
	"github.com/civitas-eu/civitas/internal/library"
	"github.com/civitas-eu/civitas/internal/ollama/ollamatest"
	"github.com/civitas-eu/civitas/internal/originals"
	"github.com/civitas-eu/civitas/internal/pdfmake"
	"github.com/civitas-eu/civitas/internal/store"
)

// env is the database, Ollama and one job kind of a test's own.
type env struct {
	pool  *pgxpool.Pool
	store *store.Store
	emb   ingest.Embedder
	model string
	kind  string
	dir   string
	log   *slog.Logger
	orig  *originals.Postgres
}

func newEnv(t *testing.T) env {
	t.Helper()
	pool := dbtest.Migrated(t)
	st, err := store.New(pool)
	if err != nil {
		t.Fatal(err)
	}
	orig, err := originals.NewPostgres(pool)
	if err != nil {
		t.Fatal(err)
	}
	llm := ollamatest.Client(t)
	return env{pool: pool, store: st, emb: llm, model: ollamatest.Model(t, llm, ollamatest.RandomFile),
		kind: dbtest.UniqueName("ingest-test-"), dir: t.TempDir(), log: slog.New(slog.NewTextHandler(io.Discard, nil)), orig: orig}
}

// worker is one queue with the library's handler, as one assistant
// process runs it.
type worker struct {
	queue *jobs.Queue
	lib   *library.Service
	stop  func()
}

// worker starts a worker embedding with emb; options change the library's
// configuration from the test's defaults.
func (e env) worker(t *testing.T, name string, emb ingest.Embedder, options ...func(*library.Config)) *worker {
	t.Helper()
	q, err := jobs.New(e.pool, e.log, jobs.Config{Worker: dbtest.UniqueName(name + "-"), Poll: 20 * time.Millisecond, Lease: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	cfg := library.Config{UploadDir: e.dir, Kind: e.kind, Originals: e.orig, EmbedModel: func(context.Context) (string, error) { return e.model, nil }}
	for _, o := range options {
		o(&cfg)
	}
	lib, err := library.New(e.store, q, emb, e.log, cfg)
	if err != nil {
		t.Fatal(err)
	}
	q.Register(lib.Handler())
	w := &worker{queue: q, lib: lib}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = q.Run(ctx) }()
	var once sync.Once
	w.stop = func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(w.stop)
	return w
}

func makePDF(t *testing.T, title, text string) []byte {
	t.Helper()
	d := pdfmake.New(title)
	d.Heading(title)
	d.Paragraph(text)
	var buf bytes.Buffer
	if _, err := d.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func upload(t *testing.T, lib *library.Service, collection, name string, data []byte) library.JobView {
	t.Helper()
	in, err := lib.Receive(name, bytes.NewReader(data))
	if err != nil || in.Rejected != "" {
		t.Fatalf("receive %s: %v %q", name, err, in.Rejected)
	}
	views, err := lib.Enqueue(context.Background(), library.Upload{Collection: collection, User: "km"}, []library.Incoming{in})
	if err != nil {
		t.Fatal(err)
	}
	return views[0]
}

// waitJob polls until job id is finished (done or failed).
func waitJob(t *testing.T, q *jobs.Queue, id int64) jobs.Job {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		j, err := q.Get(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if j.Status == jobs.StatusDone || j.Status == jobs.StatusFailed {
			return j
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %d still %s (%s) at the deadline", id, j.Status, j.Error)
		}
		time.Sleep(20 * time.Millisecond) // polling interval, bounded by the deadline
	}
}

// killWorker makes job id look as if its worker had died holding it: still
// running, under a lease that has expired.
// attempts is the count the job had when it was claimed by the dead worker.
func killWorker(t *testing.T, pool *pgxpool.Pool, id int64, attempts int) {
	t.Helper()
	_, err := pool.Exec(context.Background(), `UPDATE jobs SET status = 'running', locked_by = 'dead-worker',
		locked_until = now() - interval '1 second', attempts = $2, finished_at = NULL WHERE id = $1`, id, attempts)
	if err != nil {
		t.Fatal(err)
	}
}

func versions(t *testing.T, pool *pgxpool.Pool, collection string) (docs, current, chunks int) {
	t.Helper()
	err := pool.QueryRow(context.Background(), `SELECT count(*), count(*) FILTER (WHERE d.superseded_by IS NULL),
		(SELECT count(*) FROM chunks k JOIN documents x ON x.id = k.document_id JOIN collections y ON y.id = x.collection_id WHERE y.name = $1)
		FROM documents d JOIN collections c ON c.id = d.collection_id WHERE c.name = $1`, collection).Scan(&docs, &current, &chunks)
	if err != nil {
		t.Fatal(err)
	}
	return
}

// TestWorkerDiesMidJob: a worker stops while embedding; the job goes back
// to the queue, is then held by a "dead" worker until its lease expires,
// and a new worker completes it exactly once.
func TestWorkerDiesMidJob(t *testing.T) {
	e := newEnv(t)
	coll := dbtest.UniqueName("lib-")
	block := newGate(e.emb, true) // never released: the worker stops while it waits
	a := e.worker(t, "a", block)
	v := upload(t, a.lib, coll, "satzung.pdf", makePDF(t, "Hundesteuersatzung", "Die Steuer beträgt 120 Euro im Jahr für den ersten Hund."))

	waitEntered(t, block.entered)
	a.stop()
	j, err := a.queue.Get(context.Background(), v.ID)
	if err != nil {
		t.Fatal(err)
	}
	if j.Status != jobs.StatusQueued {
		t.Fatalf("job after its worker stopped: %s, want queued", j.Status)
	}
	if docs, _, _ := versions(t, e.pool, coll); docs != 0 {
		t.Fatalf("%d documents stored by the interrupted job", docs)
	}
	killWorker(t, e.pool, v.ID, 1)

	b := e.worker(t, "b", e.emb)
	j = waitJob(t, b.queue, v.ID)
	if j.Status != jobs.StatusDone {
		t.Fatalf("job %s: %s", j.Status, j.Error)
	}
	if j.Attempts != 2 {
		t.Errorf("attempts = %d, want 2 (the dead worker's and the new one's)", j.Attempts)
	}
	docs, current, chunks := versions(t, e.pool, coll)
	if docs != 1 || current != 1 || chunks == 0 {
		t.Fatalf("documents %d, current %d, chunks %d; want exactly one version with chunks", docs, current, chunks)
	}

	// The worker dies after storing and placing the file but before
	// recording the job as done: the re-run finds its result recorded and
	// the file placed, and keeps that result.
	added := j.Result
	killWorker(t, e.pool, v.ID, j.Attempts)
	j = waitJob(t, b.queue, v.ID)
	var res library.Result
	if err := json.Unmarshal(j.Result, &res); err != nil || j.Status != jobs.StatusDone {
		t.Fatalf("re-run: %s %q %s", j.Status, j.Error, j.Result)
	}
	if res.Outcome != ingest.StatusAdded || res.DocumentID == 0 || !bytes.Equal(j.Result, added) {
		t.Errorf("re-run result %s, want the first run's %s", j.Result, added)
	}
	if docs, current, _ := versions(t, e.pool, coll); docs != 1 || current != 1 {
		t.Fatalf("after the re-run: %d documents, %d current; want 1 and 1", docs, current)
	}

	// The worker dies after storing the version but before recording its
	// result: the re-run finds the content stored and adds nothing; the
	// upload's original is still in the store.
	var args library.Args
	if err := json.Unmarshal(j.Args, &args); err != nil {
		t.Fatal(err)
	}
	if _, err := e.pool.Exec(context.Background(), `UPDATE jobs SET result = NULL WHERE id = $1`, v.ID); err != nil {
		t.Fatal(err)
	}
	killWorker(t, e.pool, v.ID, 1)
	j = waitJob(t, b.queue, v.ID)
	if err := json.Unmarshal(j.Result, &res); err != nil || j.Status != jobs.StatusDone {
		t.Fatalf("re-run: %s %q %s", j.Status, j.Error, j.Result)
	}
	if res.Outcome != ingest.StatusUnchanged || res.DocumentID == 0 {
		t.Errorf("re-run result %+v, want unchanged with the document id", res)
	}
	if docs, current, _ := versions(t, e.pool, coll); docs != 1 || current != 1 {
		t.Fatalf("after the re-run: %d documents, %d current; want 1 and 1", docs, current)
	}
	if !hasOriginal(t, e, args.Original) {
		t.Fatal("the upload's original is not in the store")
	}
}

// hasOriginal reports whether the store holds the file with the hex hash.
func hasOriginal(t *testing.T, e env, hexHash string) bool {
	t.Helper()
	h, err := originals.ParseHash(hexHash)
	if err != nil {
		t.Fatal(err)
	}
	ok, err := e.orig.Has(context.Background(), h)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

// sha256Hex is the hex SHA-256 of data.
func sha256Hex(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// TestSameNameMakesVersions: a changed file uploaded under the same name
// is a new version of the same document, in upload order.
func TestSameNameMakesVersions(t *testing.T) {
	e := newEnv(t)
	coll := dbtest.UniqueName("lib-")
	w := e.worker(t, "w", e.emb)
	first := makePDF(t, "Gebührensatzung", "Die Gebühr beträgt 20 Euro.")
	second := makePDF(t, "Gebührensatzung", "Die Gebühr beträgt 25 Euro ab dem ersten Januar.")
	v1 := upload(t, w.lib, coll, "gebuehren.pdf", first)
	v2 := upload(t, w.lib, coll, "gebuehren.pdf", second)
	for _, v := range []library.JobView{v1, v2} {
		if j := waitJob(t, w.queue, v.ID); j.Status != jobs.StatusDone {
			t.Fatalf("job %d: %s %s", v.ID, j.Status, j.Error)
		}
	}
	l, err := w.lib.List(context.Background(), coll)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Documents) != 1 {
		t.Fatalf("%d documents listed, want 1", len(l.Documents))
	}
	vs, err := w.lib.Versions(context.Background(), l.Documents[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 2 || !vs[0].Current || vs[1].Current || vs[0].Version != 2 || vs[0].SHA256 == vs[1].SHA256 {
		t.Fatalf("versions %+v; want 2, the newest current", vs)
	}
	if h1, h2 := sha256.Sum256(first), sha256.Sum256(second); vs[1].SHA256 != hex.EncodeToString(h1[:]) || vs[0].SHA256 != hex.EncodeToString(h2[:]) {
		t.Fatalf("versions out of upload order: %+v", vs)
	}
}

func TestReceiveRejects(t *testing.T) {
	e := newEnv(t)
	q, err := jobs.New(e.pool, e.log, jobs.Config{})
	if err != nil {
		t.Fatal(err)
	}
	lib, err := library.New(e.store, q, e.emb, e.log, library.Config{UploadDir: e.dir, MaxFileBytes: 1 << 20, Kind: e.kind, Originals: e.orig,
		EmbedModel: func(context.Context) (string, error) { return e.model, nil }})
	if err != nil {
		t.Fatal(err)
	}
	zip := append([]byte("PK\x03\x04"), bytes.Repeat([]byte{0}, 200)...)
	elf := append([]byte("\x7fELF\x02\x01\x01"), bytes.Repeat([]byte{0, 1, 2, 0xff}, 300)...)
	tests := []struct {
		name, file string
		data       []byte
		want       string // in Rejected; "" = accepted
	}{
		{"pdf", "a.pdf", makePDF(t, "A", "Text."), ""},
		{"text", "notes.txt", []byte("Öffnungszeiten des Rathauses: Montag bis Freitag."), ""},
		{"zip named pdf", "archive.pdf", zip, "archive.pdf: the content is not PDF"},
		{"executable named pdf", "tool.pdf", elf, "tool.pdf: the content is not PDF"},
		{"empty", "leer.pdf", nil, "leer.pdf is empty"},
		{"too large", "big.txt", bytes.Repeat([]byte("a "), 1<<19+1), "big.txt is larger than the limit of 1 MiB"},
		{"path in name", "../../etc/passwd.txt", []byte("hello"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, err := lib.Receive(tt.file, bytes.NewReader(tt.data))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { lib.Discard([]library.Incoming{in}) })
			if tt.want == "" {
				if in.Rejected != "" || in.Path == "" || strings.Contains(in.Name, "/") {
					t.Fatalf("rejected %q, path %q, name %q", in.Rejected, in.Path, in.Name)
				}
				return
			}
			if !strings.Contains(in.Rejected, tt.want) || in.Path != "" {
				t.Fatalf("Rejected = %q (path %q), want it to contain %q", in.Rejected, in.Path, tt.want)
			}
		})
	}
}

func TestValidation(t *testing.T) {
	for _, tt := range []struct {
		collection string
		ok         bool
	}{{"Stadtrat", true}, {"Bürgerbüro 2024", true}, {"a.b_c-d", true}, {"", false}, {".incoming", false},
		{"../x", false}, {"a/b", false}, {" lead", false}, {strings.Repeat("x", 101), false}} {
		err := library.ValidateCollection(tt.collection)
		var ie *library.InputError
		if (err == nil) != tt.ok || (err != nil && (!errors.As(err, &ie) || ie.Field != "collection")) {
			t.Errorf("ValidateCollection(%q) = %v", tt.collection, err)
		}
	}
	for _, tt := range []struct {
		in   string
		want []string
		ok   bool
	}{{"", []string{}, true}, {"staff, hr,staff", []string{"staff", "hr"}, true},
		// Spaces are part of a group's name, as for the proxy, OIDC and CLI (finding F6).
		{" IT Abteilung ,Bürger büro", []string{"IT Abteilung", "Bürger büro"}, true},
		{"tab\tgroup", nil, false}, {"bad\xffutf8", nil, false}, {strings.Repeat("g", 101), nil, false}} {
		got, err := library.ParseGroups(tt.in)
		if (err == nil) != tt.ok || strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("ParseGroups(%q) = %v, %v", tt.in, got, err)
		}
	}
}
