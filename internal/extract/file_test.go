package extract

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/civitas-eu/civitas/internal/sharedtest"
)

// testDataDir returns the shared test data folder: $CIVITAS_DATA_DIR, or
// shared/data in the nearest folder above the working directory that has
// one. Tests needing it skip when it is absent (the data is not in the
// repository).
func testDataDir(t *testing.T) string { return sharedtest.DataDir(t) }

// writeFile writes data to a new file in a per-test folder.
func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestFileRefusesNonRegular(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	link := filepath.Join(dir, "link.txt")
	if err := os.Symlink(writeFile(t, "target.txt", []byte("hello")), link); err != nil {
		t.Fatalf("symlink: %v", err)
	}
	type nonRegular struct{ name, path, says string }
	tests := []nonRegular{
		{"directory", dir, "a directory"},
		{"symbolic link", link, "a symbolic link"},
	}
	// A FIFO is the dangerous case: reading one blocks until a writer
	// comes. The mkfifo tool keeps this file free of Unix-only syscalls.
	if mkfifo, err := exec.LookPath("mkfifo"); err == nil {
		fifo := filepath.Join(dir, "pipe.txt")
		if out, err := exec.Command(mkfifo, fifo).CombinedOutput(); err != nil {
			t.Fatalf("mkfifo: %v: %s", err, out)
		}
		tests = append(tests, nonRegular{"named pipe, which would block a read", fifo, "a named pipe"})
	}
	if fi, err := os.Lstat("/dev/null"); err == nil && fi.Mode()&os.ModeDevice != 0 {
		tests = append(tests, nonRegular{"device", "/dev/null", "a device"})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := File(context.Background(), tt.path, DefaultOptions())
			if !errors.Is(err, ErrUnsupported) {
				t.Fatalf("File = %v, want ErrUnsupported", err)
			}
			if msg := err.Error(); !strings.HasPrefix(msg, "extract "+tt.path+": ") || !strings.Contains(msg, tt.says) {
				t.Errorf("error %q should name the path and say %q", msg, tt.says)
			}
		})
	}
}

func TestFileErrors(t *testing.T) {
	t.Parallel()
	// A sparse file: big by its size, nothing on disk, never read.
	big := writeFile(t, "big.txt", nil)
	if err := os.Truncate(big, 1<<30); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		path  string
		opts  Options
		want  error
		says  string
		setup func(t *testing.T, path string)
	}{
		{name: "missing", path: filepath.Join(t.TempDir(), "nope.pdf"), want: fs.ErrNotExist},
		{name: "too large, refused before reading", path: big, opts: Options{MaxBytes: 1 << 20}, want: ErrTooLarge, says: "1073741824 bytes, limit 1048576"},
		{name: "empty", path: writeFile(t, "zero.pdf", nil), want: ErrCorrupt, says: "empty file"},
		{name: "binary", path: writeFile(t, "blob.pdf", []byte{0, 1, 2, 3, 0xFF, 0xFE, 0, 0}), want: ErrUnsupported, says: "whatever its .pdf name says"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := File(context.Background(), tt.path, tt.opts)
			if !errors.Is(err, tt.want) {
				t.Fatalf("File = %v, want %v", err, tt.want)
			}
			if msg := err.Error(); !strings.HasPrefix(msg, "extract "+tt.path+": ") || !strings.Contains(msg, tt.says) {
				t.Errorf("error %q should name the path and say %q", msg, tt.says)
			}
		})
	}
}

func TestFileUnreadable(t *testing.T) {
	t.Parallel()
	if os.Geteuid() == 0 {
		t.Skip("running as root, which can read any file; the FIFO and directory cases cover non-readable paths")
	}
	path := writeFile(t, "secret.txt", []byte("hello"))
	if err := os.Chmod(path, 0); err != nil {
		t.Fatal(err)
	}
	_, err := File(context.Background(), path, DefaultOptions())
	if !errors.Is(err, fs.ErrPermission) || !strings.Contains(err.Error(), "permission denied") {
		t.Errorf("File = %v, want a permission error", err)
	}
}

func TestFileAndBytes(t *testing.T) {
	t.Parallel()
	html := []byte("<!DOCTYPE html><html lang=de><title>Amt</title><body><h1>Bürgerbüro</h1><p>Öffnungszeiten</p></body></html>")
	path := writeFile(t, "page.pdf", html)
	fromFile, err := File(context.Background(), path, DefaultOptions())
	if err != nil {
		t.Fatalf("File: %v", err)
	}
	fromBytes, err := Bytes(context.Background(), "upload.pdf", html, Options{})
	if err != nil {
		t.Fatalf("Bytes: %v", err)
	}
	for _, doc := range []*Document{fromFile, fromBytes} {
		if doc.MediaType != MediaHTML || doc.Title != "Amt" || doc.Language != "de" || blockSummary(doc.Blocks) != "heading[1]: Bürgerbüro\nparagraph: Öffnungszeiten\n" {
			t.Errorf("got %q %q %q\n%s", doc.MediaType, doc.Title, doc.Language, blockSummary(doc.Blocks))
		}
	}
	if _, err := Bytes(context.Background(), "big.txt", make([]byte, 2048), Options{MaxBytes: 1024}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("Bytes over the limit = %v, want ErrTooLarge", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Bytes(ctx, "a.txt", []byte("hello"), Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Bytes with a cancelled context = %v, want context.Canceled", err)
	}
}

// TestSharedDocs extracts the non-PDF documents of the shared data set
// and looks for passages the question set quotes.
func TestSharedDocs(t *testing.T) {
	t.Parallel()
	dir := testDataDir(t)
	tests := []struct {
		file      string
		mediaType string
		title     string
		quotes    []string
	}{
		{"docs/de_badboll_Hundesteuersatzung.md", MediaMarkdown, "Satzung über die Erhebung der Hundesteuer (Hundesteuersatzung) der Gemeinde Bad Boll",
			[]string{"Die Steuer beträgt im Kalenderjahr für jeden Hund 165,00 €.", "Ersatzmarke gegen eine Gebühr von 5,00 €", "beträgt der Steuersatz abweichend von Satz 1 900,00 €"}},
		{"docs/de_badboll_Streupflichtsatzung.md", MediaMarkdown, "",
			[]string{"samstags bis 8.00 Uhr und sonn- und feiertags bis 9.00 Uhr", "mit einer Geldbuße von mindestens 5 Euro und höchstens 500 Euro"}},
		{"docs/fr_montpellier_deliberations_README.txt", MediaText, "Données publiques ouvertes - Montpellier Territoire Numérique",
			[]string{"délibérations exécutoires des conseils municipaux de la Ville de Montpellier à partir de l’année 2012"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			doc, err := File(context.Background(), filepath.Join(dir, tt.file), DefaultOptions())
			if err != nil {
				t.Fatalf("File: %v", err)
			}
			if doc.MediaType != tt.mediaType {
				t.Errorf("media type %q, want %q", doc.MediaType, tt.mediaType)
			}
			if tt.title != "" && doc.Title != tt.title {
				t.Errorf("title %q, want %q", doc.Title, tt.title)
			}
			var all strings.Builder
			for _, b := range doc.Blocks {
				all.WriteString(strings.Join(strings.Fields(b.Text), " ") + "\n")
			}
			for _, q := range tt.quotes {
				if !strings.Contains(all.String(), q) {
					t.Errorf("no block contains %q", q)
				}
			}
			if testing.Verbose() {
				t.Logf("title %q, language %q, %d blocks:\n%s", doc.Title, doc.Language, len(doc.Blocks), blockSummary(doc.Blocks))
			}
			if countKind(doc.Blocks, Heading) == 0 {
				t.Errorf("no headings found:\n%s", blockSummary(doc.Blocks))
			}
		})
	}
}

func countKind(blocks []Block, kind BlockKind) int {
	n := 0
	for _, b := range blocks {
		if b.Kind == kind {
			n++
		}
	}
	return n
}

// TestSharedMisnamed checks the hostile files named .pdf that are really
// something else: content decides the loader.
func TestSharedMisnamed(t *testing.T) {
	t.Parallel()
	dir := testDataDir(t)
	tests := []struct {
		file      string
		mediaType string
		contains  string
	}{
		{"hostile/synthetic/html_error_page_named.pdf", MediaHTML, "The requested document /ratsinfo/beschluss_2024_017.pdf was not found on this server."},
		{"hostile/synthetic/docx_named.pdf", MediaDOCX, "table row: de 08h30 à 09h00\n"},
		{"hostile/synthetic/latin1_text_named.pdf", MediaText, "encodé en ISO-8859-1 : é è à ç"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(dir, tt.file)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if got := Sniff(path, data); got != tt.mediaType {
				t.Errorf("Sniff = %q, want %q", got, tt.mediaType)
			}
			doc, err := File(context.Background(), path, DefaultOptions())
			if err != nil {
				t.Fatalf("File: %v", err)
			}
			if testing.Verbose() {
				t.Logf("title %q, language %q, %d blocks:\n%s", doc.Title, doc.Language, len(doc.Blocks), blockSummary(doc.Blocks))
			}
			if len(doc.Blocks) == 0 || !strings.Contains(blockSummary(doc.Blocks), tt.contains) {
				t.Errorf("text lacks %q:\n%s", tt.contains, blockSummary(doc.Blocks))
			}
		})
	}
}
