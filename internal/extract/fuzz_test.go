package extract

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// fuzzOptions keep fuzzed zips from inflating more than a few megabytes,
// so the fuzzer spends its time on parsing, not on decompression.
var fuzzOptions = Options{MaxBytes: 64 << 10, Timeout: 10 * time.Second}

// fuzzLoad runs a loader directly — not behind Guard, so that a panic
// crashes the fuzzer and a loader's own output is what gets checked — and
// fails if it does not return in time.
func fuzzLoad(t *testing.T, l Loader, name string, data []byte) {
	t.Helper()
	if int64(len(data)) > fuzzOptions.MaxBytes {
		return // Guard refuses these before any loader sees them
	}
	ctx, cancel := context.WithTimeout(context.Background(), fuzzOptions.Timeout)
	defer cancel()
	type result struct {
		doc *Document
		err error
	}
	done := make(chan result, 1)
	go func() {
		doc, err := l.Load(ctx, name, data)
		done <- result{doc, err}
	}()
	var res result
	select {
	case res = <-done:
	case <-time.After(2 * fuzzOptions.Timeout):
		t.Fatalf("loader still running %v after its deadline", fuzzOptions.Timeout)
	}
	if res.err != nil || res.doc == nil {
		return
	}
	checkText(t, "title", res.doc.Title)
	checkText(t, "language", res.doc.Language)
	for i, b := range res.doc.Blocks {
		checkText(t, "block", b.Text)
		if strings.TrimSpace(b.Text) == "" {
			t.Errorf("block %d is empty", i)
		}
		if (b.Kind == Heading) != (b.Level >= 1 && b.Level <= 6) || b.Level > 6 {
			t.Errorf("block %d: %s with level %d", i, b.Kind, b.Level)
		}
	}
}

// checkText asserts the promise of Block.Text: valid UTF-8 without NUL or
// control characters other than \n and \t.
func checkText(t *testing.T, what, s string) {
	t.Helper()
	if !utf8.ValidString(s) {
		t.Fatalf("%s is not valid UTF-8: %q", what, s)
	}
	for _, r := range s {
		if (r < 0x20 && r != '\n' && r != '\t') || r == 0x7F {
			t.Fatalf("%s contains control character %U: %q", what, r, s)
		}
	}
}

// addFileSeeds adds the files of testdata matching pattern to the corpus.
func addFileSeeds(f *testing.F, pattern string) {
	f.Helper()
	paths, _ := filepath.Glob(filepath.Join("testdata", pattern))
	for _, p := range paths {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
}

func FuzzDOCX(f *testing.F) {
	f.Add(makeDOCX(f, wp(`<w:pStyle w:val="Titre1"/>`, "Titre")+wp(`<w:numPr><w:numId w:val="1"/></w:numPr>`, "item")+
		`<w:tbl><w:tr><w:tc>`+wp("", "a")+`</w:tc><w:tc>`+wp("", "b")+`</w:tc></w:tr></w:tbl>`))
	f.Add(makeDOCX(f, `<w:p><w:r><w:t>a</w:t><w:tab/><w:br/></w:r></w:p>`, zipEntry{"word/styles.xml", "<w:styles><w:style w:styleId=\"A\"><w:basedOn w:val=\"A\"/></w:style></w:styles>"}))
	f.Add(append(append([]byte{}, oleMagic...), encryptedPackage...))
	f.Add([]byte("PK\x03\x04"))
	l := newDOCXLoader(fuzzOptions)
	f.Fuzz(func(t *testing.T, data []byte) { fuzzLoad(t, l, "f.docx", data) })
}

func FuzzODT(f *testing.F) {
	f.Add(makeODT(f, `<text:h text:outline-level="2">T</text:h><text:list><text:list-item><text:p>i<text:s/>j</text:p></text:list-item></text:list>`+
		`<table:table><table:table-row><table:table-cell><text:p>a</text:p></table:table-cell></table:table-row></table:table>`))
	f.Add(makeODT(f, `<text:p>x<text:note><text:note-body><text:p>n</text:p></text:note-body></text:note></text:p>`))
	l := newODTLoader(fuzzOptions)
	f.Fuzz(func(t *testing.T, data []byte) { fuzzLoad(t, l, "f.odt", data) })
}

func FuzzHTML(f *testing.F) {
	addFileSeeds(f, "*.html")
	f.Add([]byte(`<html lang=fr><title>t</title><main><h2>h</h2><ul><li>a<ul><li>b</li></ul></li></ul><table><tr><td>1<td>2</table></main>`))
	f.Add([]byte("<meta charset=shift_jis><p>\x82\xa0</p>"))
	f.Add([]byte("\xff\xfe<\x00p\x00>\x00"))
	l := newHTMLLoader(fuzzOptions)
	f.Fuzz(func(t *testing.T, data []byte) { fuzzLoad(t, l, "f.html", data) })
}

func FuzzMarkdown(f *testing.F) {
	addFileSeeds(f, "*.md")
	f.Add([]byte("---\ntitle: x\n---\n# H\n\ntext *em* **b** [l](u)\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```\ncode\n```\n- item\n1. one\n"))
	f.Add([]byte("Setext\n===\n\\*\\_ `x` <!-- c"))
	l := newMarkdownLoader(fuzzOptions)
	f.Fuzz(func(t *testing.T, data []byte) { fuzzLoad(t, l, "f.md", data) })
}

func FuzzText(f *testing.F) {
	f.Add([]byte("TITRE\n\nStra\xdfe \xe9t\xe9\r\nTitle\n=====\n"))
	f.Add([]byte{0xFF, 0xFE, 'a', 0, 0x00, 0xD8})
	f.Add([]byte("a\x00b\x00c\x00"))
	l := newTextLoader(fuzzOptions)
	f.Fuzz(func(t *testing.T, data []byte) { fuzzLoad(t, l, "f.txt", data) })
}

func FuzzSniff(f *testing.F) {
	addFileSeeds(f, "*")
	f.Add([]byte("%PDF-1.7"))
	f.Add(makeDOCX(f, wp("", "x")))
	f.Add(makeODT(f, "<text:p>x</text:p>"))
	f.Add([]byte("<!-- x --><html>"))
	known := map[string]bool{MediaPDF: true, MediaDOCX: true, MediaODT: true, MediaHTML: true, MediaMarkdown: true, MediaText: true, MediaUnknown: true}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, name := range []string{"f.pdf", "f.docx", "f.md", "f"} {
			if got := Sniff(name, data); !known[got] {
				t.Fatalf("Sniff(%q) = %q, not a known media type", name, got)
			}
		}
		text, _ := decodeText(data)
		if !utf8.ValidString(text) {
			t.Fatalf("decodeText returned invalid UTF-8")
		}
	})
}
