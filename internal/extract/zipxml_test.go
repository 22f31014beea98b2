package extract

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
)

// zipEntry is one file of an archive built by a test.
type zipEntry struct {
	name, body string
}

// buildZip returns a zip archive of entries, deflated, in order.
func buildZip(tb testing.TB, entries ...zipEntry) []byte {
	tb.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		method := zip.Deflate
		if e.name == "mimetype" {
			method = zip.Store // as ODF requires
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: e.name, Method: method})
		if err != nil {
			tb.Fatalf("zip %s: %v", e.name, err)
		}
		if _, err := io.WriteString(w, e.body); err != nil {
			tb.Fatalf("zip %s: %v", e.name, err)
		}
	}
	if err := zw.Close(); err != nil {
		tb.Fatalf("close zip: %v", err)
	}
	return buf.Bytes()
}

// blockSummary renders blocks one per line as "kind[level]: text", for
// compact expectations and readable failure output.
func blockSummary(blocks []Block) string {
	var b strings.Builder
	for _, bl := range blocks {
		b.WriteString(bl.Kind.String())
		if bl.Kind == Heading {
			b.WriteString("[" + string(rune('0'+bl.Level)) + "]")
		}
		b.WriteString(": " + bl.Text + "\n")
	}
	return b.String()
}

func TestInflateLimit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		max  int64
		want int64
	}{
		{"small file limit scales", 1 << 20, 50 << 20},
		{"default limit is capped", 200 << 20, maxInflateBytes},
		{"unset limit is capped", 0, maxInflateBytes},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := inflateLimit(Options{MaxBytes: tt.max}); got != tt.want {
				t.Errorf("inflateLimit(%d) = %d, want %d", tt.max, got, tt.want)
			}
		})
	}
}

func TestReadEntryLimit(t *testing.T) {
	t.Parallel()
	data := buildZip(t, zipEntry{"big.xml", strings.Repeat("a", 10_000)}, zipEntry{"small.xml", "ok"})
	zr, err := openZip(data)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := readEntry(context.Background(), findEntry(zr, "big.xml"), 1000); !errors.Is(err, ErrTooLarge) {
		t.Errorf("reading 10 000 bytes with a 1000-byte limit: err = %v, want ErrTooLarge", err)
	}
	got, err := readEntry(context.Background(), findEntry(zr, "SMALL.xml"), 1000)
	if err != nil || string(got) != "ok" {
		t.Errorf("case-insensitive lookup: got %q, %v; want \"ok\"", got, err)
	}
	if findEntry(zr, "missing.xml") != nil {
		t.Error("findEntry found a missing entry")
	}
}

func TestOpenZipCorrupt(t *testing.T) {
	t.Parallel()
	if _, err := openZip([]byte("PK\x03\x04 this is not a zip")); !errors.Is(err, ErrCorrupt) {
		t.Errorf("openZip(garbage) = %v, want ErrCorrupt", err)
	}
}
