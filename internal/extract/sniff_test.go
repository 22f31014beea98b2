package extract

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSniff(t *testing.T) {
	t.Parallel()
	docx := makeDOCX(t, wp("", "hello"))
	odt := makeODT(t, `<text:p>hello</text:p>`)
	noMainZip := buildZip(t, zipEntry{"[Content_Types].xml", `<Types><Override PartName="/word/main2.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`})
	ole := append(append([]byte{}, oleMagic...), make([]byte, 100)...)
	utf16le := []byte{0xFF, 0xFE, 'h', 0, 'i', 0}
	utf16noBOM := []byte("B\x00o\x00n\x00j\x00o\x00u\x00r\x00 \x00\xe0\x00 \x00t\x00o\x00u\x00s\x00")
	tests := []struct {
		name string
		file string
		data []byte
		want string
	}{
		{"PDF", "a.pdf", []byte("%PDF-1.7\n..."), MediaPDF},
		{"PDF after junk, any name", "a.bin", []byte("junk\r\n%PDF-1.4"), MediaPDF},
		{"DOCX named .pdf", "a.pdf", docx, MediaDOCX},
		{"DOCX found by content types", "x", noMainZip, MediaDOCX},
		{"ODT named .docx", "a.docx", odt, MediaODT},
		{"broken zip named .docx", "a.docx", []byte("PK\x03\x04broken"), MediaDOCX},
		{"broken zip named .zip", "a.zip", []byte("PK\x03\x04broken"), MediaUnknown},
		{"plain zip", "a.zip", buildZip(t, zipEntry{"a.txt", "hi"}), MediaUnknown},
		{"encrypted Office file", "a.docx", append(append([]byte{}, ole...), encryptedPackage...), MediaDOCX},
		{"legacy .doc", "a.doc", ole, MediaUnknown},
		{"HTML named .pdf", "a.pdf", []byte("<!DOCTYPE html>\n<html><body>x</body></html>"), MediaHTML},
		{"HTML after BOM, comment, XML declaration", "a", []byte("\xef\xbb\xbf <?xml version=\"1.0\"?><!-- hi --><HTML lang=fr>"), MediaHTML},
		{"HTML fragment starting with head", "a.txt", []byte("\n\n  <head><title>t</title>"), MediaHTML},
		{"HTML in UTF-16", "a", append(append([]byte{}, bomUTF16LE...), []byte("<\x00h\x00t\x00m\x00l\x00>\x00")...), MediaHTML},
		{"not HTML: htmlfoo tag", "a", []byte("<htmlfoo>"), MediaText},
		{"Markdown by extension", "a.md", []byte("just text"), MediaMarkdown},
		{"Markdown by headings", "README", []byte("intro\n\n## Usage\n\ntext"), MediaMarkdown},
		{"text extension wins over headings", "a.txt", []byte("# not a heading\n"), MediaText},
		{"UTF-8 text", "a.pdf", []byte("Straße und Gemeinde\n"), MediaText},
		{"Latin-1 text", "a.pdf", []byte("Stra\xdfe, \xe9t\xe9\n"), MediaText},
		{"UTF-16 with BOM", "a", utf16le, MediaText},
		{"UTF-16 without BOM", "a", utf16noBOM, MediaText},
		{"RTF", "a.txt", []byte(`{\rtf1\ansi hello}`), MediaUnknown},
		{"binary", "a.pdf", []byte{0x89, 'P', 'N', 'G', 0, 0, 0, 0x0d}, MediaUnknown},
		{"control bytes", "a.txt", []byte(strings.Repeat("ab\x01\x02", 50)), MediaUnknown},
		{"empty", "a.txt", nil, MediaUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := Sniff(tt.file, tt.data); got != tt.want {
				t.Errorf("Sniff(%q) = %q, want %q", tt.file, got, tt.want)
			}
		})
	}
}

// TestSniffLongUTF8 checks that a multi-byte character cut by the end of
// the sniffing window does not turn UTF-8 into "Latin-1".
func TestSniffLongUTF8(t *testing.T) {
	t.Parallel()
	// One ASCII byte, then two-byte runes: the window ends mid-rune.
	data := []byte("x" + strings.Repeat("é", sniffTextWindow))
	if got := Sniff("a", data); got != MediaText {
		t.Errorf("Sniff = %q, want %q", got, MediaText)
	}
	if _, ok := textHead(data); !ok {
		t.Error("textHead rejected valid UTF-8")
	}
}

// TestSniffSharedData sniffs every shared document and hostile file:
// the non-PDF documents by their format, the PDFs as PDFs, and nothing
// panics on the hostile ones.
func TestSniffSharedData(t *testing.T) {
	t.Parallel()
	dir := testDataDir(t)
	want := map[string]string{".pdf": MediaPDF, ".docx": MediaDOCX, ".md": MediaMarkdown, ".txt": MediaText}
	paths, err := filepath.Glob(filepath.Join(dir, "docs", "*"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			continue // a folder
		}
		if got, w := Sniff(p, data), want[filepath.Ext(p)]; got != w {
			t.Errorf("Sniff(%s) = %q, want %q", filepath.Base(p), got, w)
		}
	}
	hostile, _ := filepath.Glob(filepath.Join(dir, "hostile", "*", "*"))
	for _, p := range hostile {
		if data, err := os.ReadFile(p); err == nil {
			_ = Sniff(p, data)
		}
	}
}
