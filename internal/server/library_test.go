package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/civitas-eu/civitas/internal/auth"
	"github.com/civitas-eu/civitas/internal/dbtest"
	"github.com/civitas-eu/civitas/internal/jobs"
	"github.com/civitas-eu/civitas/internal/library"
	"github.com/civitas-eu/civitas/internal/ollama/ollamatest"
	"github.com/civitas-eu/civitas/internal/originals"
	"github.com/civitas-eu/civitas/internal/pdfmake"
	"github.com/civitas-eu/civitas/internal/server"
	"github.com/civitas-eu/civitas/internal/sharedtest"
	"github.com/civitas-eu/civitas/internal/store"
)

// libBundle is an assistant with the document library; its job worker
// starts only when the test calls startWorker.
type libBundle struct {
	url         string
	pool        *pgxpool.Pool
	uploadDir   string
	collection  string
	startWorker func()
}

// setupLibrary starts an assistant with the document library, with
// upload limits maxFile and maxRequest (0: the defaults) and auth config a
// (zero: proxy headers).
func setupLibrary(t *testing.T, maxFile, maxRequest int64, a auth.Config) libBundle {
	t.Helper()
	return setupLibraryOn(t, dbtest.Migrated(t), maxFile, maxRequest, a)
}

// setupLibraryOn is setupLibrary over pool.
func setupLibraryOn(t *testing.T, pool *pgxpool.Pool, maxFile, maxRequest int64, a auth.Config) libBundle {
	t.Helper()
	st, err := store.New(pool)
	if err != nil {
		t.Fatal(err)
	}
	llm := ollamatest.Client(t)
	model := ollamatest.Model(t, llm, ollamatest.RandomFile)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	q, err := jobs.New(pool, log, jobs.Config{Worker: newCollection(), Poll: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	b := libBundle{pool: pool, uploadDir: t.TempDir(), collection: newCollection()}
	orig, err := originals.NewPostgres(pool)
	if err != nil {
		t.Fatal(err)
	}
	lib, err := library.New(st, q, llm, log, library.Config{UploadDir: b.uploadDir, MaxFileBytes: maxFile, Originals: orig,
		Kind: "ingest-" + b.collection, EmbedModel: func(context.Context) (string, error) { return model, nil }})
	if err != nil {
		t.Fatal(err)
	}
	q.Register(lib.Handler())
	srv := server.New(server.Config{EmbedModel: model, MaxUploadRequestBytes: maxRequest, Auth: orProxyHeaders(a)}, log, server.Deps{DB: pool, Models: llm, Store: st, Library: lib, Originals: orig})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	started := false
	t.Cleanup(func() {
		cancel()
		if started {
			<-done
		}
	})
	b.startWorker = func() {
		if !started {
			started = true
			go func() { defer close(done); _ = q.Run(ctx) }()
		}
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	b.url = ts.URL
	return b
}

type part struct {
	name string // a file's name; "" for a form field
	form string // the field name
	data []byte
}

var km = []string{auth.GroupKnowledgeManager}

// libraryDo sends a request as kim with groups and decodes the JSON
// reply.
func libraryDo(t *testing.T, method, url string, groups []string, body io.Reader, headers map[string]string) (int, map[string]any) {
	t.Helper()
	resp, raw := request(t, method, url, "kim", groups, body, headers)
	var out map[string]any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatalf("%s %s: %d, not JSON: %s", method, url, resp.StatusCode, raw)
		}
	}
	return resp.StatusCode, out
}

func (b libBundle) upload(t *testing.T, groups []string, parts ...part) (int, map[string]any) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, p := range parts {
		var w io.Writer
		var err error
		if p.name != "" {
			w, err = mw.CreateFormFile(p.form, p.name)
		} else {
			w, err = mw.CreateFormField(p.form)
		}
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write(p.data)
	}
	_ = mw.Close()
	return libraryDo(t, "POST", b.url+"/api/library/uploads", groups, &buf, map[string]string{"Content-Type": mw.FormDataContentType()})
}

func formField(name, value string) part  { return part{form: name, data: []byte(value)} }
func file(name string, data []byte) part { return part{form: "file", name: name, data: data} }

// listing is GET /api/library for the bundle's collection.
type listing struct {
	Documents []struct {
		ID                      int64
		Title, Language, Source string
		Pages                   *int
		Chunks, Versions        int
		Groups                  []string
		Status                  string
	}
	Jobs []struct {
		ID                  int64
		File, Status, Error string
		DocumentID          *int64 `json:"document_id"`
	}
}

func (b libBundle) list(t *testing.T) listing {
	t.Helper()
	resp, body := request(t, "GET", b.url+"/api/library?collection="+b.collection, "kim", km, nil, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/library: %d %s", resp.StatusCode, body)
	}
	var l listing
	if err := json.Unmarshal(body, &l); err != nil {
		t.Fatal(err)
	}
	return l
}

// waitJobs polls the library until every job is done or failed.
func (b libBundle) waitJobs(t *testing.T, want int) listing {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		l := b.list(t)
		finished := 0
		for _, j := range l.Jobs {
			if j.Status == "done" || j.Status == "failed" {
				finished++
			}
		}
		if finished == want && len(l.Jobs) == want {
			return l
		}
		if time.Now().After(deadline) {
			t.Fatalf("jobs not finished at the deadline: %+v", l.Jobs)
		}
		time.Sleep(20 * time.Millisecond) // polling interval, bounded by the deadline
	}
}

func libraryPDF(t *testing.T) []byte {
	t.Helper()
	d := pdfmake.New("Satzung über die Straßenreinigung")
	d.Heading("Satzung über die Straßenreinigung")
	d.Paragraph("Die Eigentümer der angrenzenden Grundstücke haben die Gehwege bei Schnee und Eis bis 7 Uhr zu räumen und zu streuen.")
	d.PageBreak()
	d.Paragraph("Diese Satzung tritt am Tage nach ihrer öffentlichen Bekanntmachung in Kraft. Die Stadtverwaltung überwacht die Einhaltung.")
	var buf bytes.Buffer
	if _, err := d.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestLibraryUploadLifecycle(t *testing.T) {
	b := setupLibrary(t, 1<<20, 8<<20, auth.Config{})
	hostile, err := os.ReadFile(filepath.Join(sharedtest.DataDir(t), "hostile", "encrypted_user_password_issue6010.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	text := []byte("Öffnungszeiten des Bürgerbüros\n\nDas Bürgerbüro ist montags bis freitags von 8 bis 12 Uhr geöffnet. Anträge auf einen Personalausweis werden dort entgegengenommen.\n")

	// Nothing runs the jobs yet: the 202 cannot have waited for them.
	status, body := b.upload(t, km, formField("collection", b.collection), formField("groups", "staff, hr"),
		file("strassenreinigung.pdf", libraryPDF(t)), file("buergerbuero.txt", text), file("geheim.pdf", hostile),
		file("programm.pdf", append([]byte("PK\x03\x04"), make([]byte, 100)...)),
		file("riesig.txt", bytes.Repeat([]byte("Gebühr "), 1<<18)))
	if status != http.StatusAccepted {
		t.Fatalf("upload: %d %v", status, body)
	}
	var got []string
	for _, j := range body["jobs"].([]any) {
		m := j.(map[string]any)
		got = append(got, m["file"].(string)+"="+m["status"].(string))
	}
	want := "strassenreinigung.pdf=queued buergerbuero.txt=queued geheim.pdf=queued programm.pdf=failed riesig.txt=failed"
	if strings.Join(got, " ") != want {
		t.Fatalf("upload jobs %v, want %s", got, want)
	}

	b.startWorker()
	l := b.waitJobs(t, 5)
	reasons := map[string]string{}
	for _, j := range l.Jobs {
		reasons[j.File] = j.Status + ": " + j.Error
	}
	for file, want := range map[string]string{
		"strassenreinigung.pdf": "done: ", "buergerbuero.txt": "done: ",
		"geheim.pdf":   "failed: geheim.pdf: ",
		"programm.pdf": "failed: programm.pdf: the content is not PDF",
		"riesig.txt":   "failed: riesig.txt is larger than the limit of 1 MiB",
	} {
		if !strings.HasPrefix(reasons[file], want) {
			t.Errorf("%s: %q, want it to start with %q", file, reasons[file], want)
		}
	}
	if r := reasons["geheim.pdf"]; !strings.Contains(r, "encrypted or password-protected") || strings.Contains(r, b.uploadDir) {
		t.Errorf("encrypted PDF's reason %q: want the cause, without the server path", r)
	}
	if len(l.Documents) != 2 {
		t.Fatalf("documents %+v, want the two good files", l.Documents)
	}
	var pdfID int64
	for _, d := range l.Documents {
		if d.Status != "done" || d.Chunks == 0 || d.Language != "de" || strings.Join(d.Groups, ",") != "staff,hr" || d.Versions != 1 {
			t.Errorf("document %+v", d)
		}
		if strings.HasSuffix(d.Source, ".pdf") {
			pdfID = d.ID
			if d.Pages == nil || *d.Pages != 2 {
				t.Errorf("pdf pages %v, want 2", d.Pages)
			}
		}
	}
	// The original is served from where the upload was stored, with
	// nosniff (set by securityHeaders, as on every reply).
	if resp, raw := request(t, "GET", b.url+"/api/documents/"+itoa(pdfID)+"/file", "kim", []string{"staff"}, nil, nil); resp.StatusCode != 200 || !bytes.HasPrefix(raw, []byte("%PDF-")) {
		t.Fatalf("GET file: %d", resp.StatusCode)
	} else if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("GET file: X-Content-Type-Options = %q, want nosniff", got)
	}

	// Re-ingest makes a job that completes, on the same document.
	status, body = libraryDo(t, "POST", b.url+"/api/library/documents/"+itoa(pdfID)+"/reingest", km, nil, nil)
	if status != http.StatusAccepted {
		t.Fatalf("reingest: %d %v", status, body)
	}
	l = b.waitJobs(t, 6)
	if j := l.Jobs[0]; j.Status != "done" || j.DocumentID == nil {
		t.Fatalf("reingest job %+v", j)
	}

	// A changed file under the same name is version 2 of the same document.
	changed := append(text, []byte("Am Samstag ist das Bürgerbüro von 9 bis 12 Uhr geöffnet.\n")...)
	if status, body := b.upload(t, km, formField("collection", b.collection), file("buergerbuero.txt", changed)); status != http.StatusAccepted {
		t.Fatalf("second upload: %d %v", status, body)
	}
	l = b.waitJobs(t, 7)
	var txtID int64
	for _, d := range l.Documents {
		if strings.HasSuffix(d.Source, "buergerbuero.txt") {
			txtID = d.ID
		}
	}
	status, body = libraryDo(t, "GET", b.url+"/api/library/documents/"+itoa(txtID)+"/versions", km, nil, nil)
	vs, _ := body["versions"].([]any)
	if status != http.StatusOK || len(vs) != 2 {
		t.Fatalf("versions: %d %v", status, body)
	}
	if v0, v1 := vs[0].(map[string]any), vs[1].(map[string]any); v0["current"] != true || v1["current"] != false || v0["version"] != 2.0 || v0["sha256"] == v1["sha256"] {
		t.Fatalf("versions %v: want version 2 current, version 1 not", vs)
	}

	// Re-ingesting a document whose file is gone (from the store, with
	// none at its path) says so.
	if _, err := b.pool.Exec(context.Background(), `DELETE FROM originals WHERE hash = (SELECT content_hash FROM documents WHERE id = $1)`, txtID); err != nil {
		t.Fatal(err)
	}
	status, body = libraryDo(t, "POST", b.url+"/api/library/documents/"+itoa(txtID)+"/reingest", km, nil, nil)
	if msg, _ := json.Marshal(body); status != http.StatusBadRequest || !strings.Contains(string(msg), "the file of buergerbuero.txt is no longer on the server") {
		t.Fatalf("reingest without its file: %d %s", status, msg)
	}

	// Delete removes every version with its chunks, and the stored file.
	if status, body := libraryDo(t, "DELETE", b.url+"/api/library/documents/"+itoa(pdfID), km, nil, nil); status != http.StatusNoContent {
		t.Fatalf("delete: %d %v", status, body)
	}
	var docs, chunks int
	err = b.pool.QueryRow(context.Background(), `SELECT count(DISTINCT d.id), count(k.id) FROM documents d
		JOIN collections c ON c.id = d.collection_id LEFT JOIN chunks k ON k.document_id = d.id
		WHERE c.name = $1 AND d.source_uri LIKE '%.pdf'`, b.collection).Scan(&docs, &chunks)
	if err != nil || docs != 0 || chunks != 0 {
		t.Fatalf("after delete: %d documents, %d chunks (%v)", docs, chunks, err)
	}
	if _, err := os.Stat(filepath.Join(b.uploadDir, b.collection, "strassenreinigung.pdf")); !os.IsNotExist(err) {
		t.Errorf("stored file still there: %v", err)
	}
	if status, _ := libraryDo(t, "POST", b.url+"/api/library/documents/"+itoa(pdfID)+"/reingest", km, nil, nil); status != http.StatusNotFound {
		t.Errorf("reingest of a deleted document: %d, want 404", status)
	}
}

func TestLibraryRefusals(t *testing.T) {
	b := setupLibrary(t, 1<<20, 2<<20, auth.Config{})
	pdf := file("a.pdf", libraryPDF(t))
	tests := []struct {
		name   string
		groups []string
		parts  []part
		status int
		want   string
	}{
		{"not a knowledge manager", []string{"staff"}, []part{formField("collection", b.collection), pdf}, 403, "knowledge-manager"},
		{"no collection", km, []part{pdf}, 400, "collection"},
		{"bad collection", km, []part{formField("collection", "../etc"), pdf}, 400, "collection"},
		{"bad groups", km, []part{formField("collection", b.collection), formField("groups", "a\tb"), pdf}, 400, "groups"},
		{"no file", km, []part{formField("collection", b.collection)}, 400, "file"},
		{"request too large", km, []part{formField("collection", b.collection), file("x.txt", bytes.Repeat([]byte("x"), 3<<20))}, 400, "per request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := b.upload(t, tt.groups, tt.parts...)
			msg, _ := json.Marshal(body["error"])
			if status != tt.status || !strings.Contains(string(msg), tt.want) {
				t.Fatalf("%d %s, want %d mentioning %q", status, msg, tt.status, tt.want)
			}
		})
	}
	for _, path := range []string{"/api/library", "/api/library/documents/1/versions"} {
		if resp, _ := request(t, "GET", b.url+path, "eve", []string{"staff"}, nil, nil); resp.StatusCode != http.StatusForbidden {
			t.Errorf("GET %s as staff: %d, want 403", path, resp.StatusCode)
		}
	}
	if status, _ := libraryDo(t, "DELETE", b.url+"/api/library/documents/1", []string{"staff"}, nil, nil); status != http.StatusForbidden {
		t.Errorf("DELETE as staff: %d, want 403", status)
	}
	// Nothing refused left a file behind.
	entries, _ := os.ReadDir(filepath.Join(b.uploadDir, ".incoming"))
	if len(entries) != 0 {
		t.Errorf("%d files left in .incoming", len(entries))
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestLibraryMalformedMultipartIs400: a part header that is no MIME
// header (schemathesis sent one) is the client's error, not a 500.
func TestLibraryMalformedMultipartIs400(t *testing.T) {
	b := setupLibrary(t, 1<<20, 2<<20, auth.Config{})
	body := "--XX\r\nContent-Disposition: form-data; name=\"[\x066\xf3\x8a\xa4\xb4\xc3\xae\"\r\n\r\nx\r\n--XX--\r\n"
	status, out := libraryDo(t, "POST", b.url+"/api/library/uploads", km, strings.NewReader(body),
		map[string]string{"Content-Type": "multipart/form-data; boundary=XX"})
	if status != http.StatusBadRequest {
		t.Fatalf("malformed multipart upload = %d %v, want 400", status, out)
	}
}
