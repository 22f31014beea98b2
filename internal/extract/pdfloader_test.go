package extract

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/civitas-eu/civitas/internal/extract/pdftext"
	"github.com/civitas-eu/civitas/internal/pdfmake"
)

// TestPDFLoaderDocument: a PDF read through Bytes comes back as this
// package's Document, with the media type, the pages, the title and every
// block kind of the engine carried over.
func TestPDFLoaderDocument(t *testing.T) {
	t.Parallel()
	d := pdfmake.New("Satzung über die Hundesteuer")
	d.Heading("Satzung über die Hundesteuer")
	d.Paragraph("Die Gemeinde erhebt die Hundesteuer nach dieser Satzung. Sie gilt für alle Hunde im Gemeindegebiet.")
	d.Bullet("Auskünfte erteilt das Bürgerbüro.")
	d.PageBreak()
	d.Paragraph("Diese Satzung tritt am Tag nach ihrer Bekanntmachung in Kraft.")
	var buf bytes.Buffer
	if _, err := d.WriteTo(&buf); err != nil {
		t.Fatalf("write PDF: %v", err)
	}
	doc, err := Bytes(t.Context(), "satzung.pdf", buf.Bytes(), Options{})
	if err != nil {
		t.Fatalf("Bytes: %v", err)
	}
	if doc.MediaType != MediaPDF || doc.Pages != 2 || doc.Title != "Satzung über die Hundesteuer" {
		t.Errorf("got media type %q, %d pages, title %q; want %q, 2, the heading", doc.MediaType, doc.Pages, doc.Title, MediaPDF)
	}
	kinds := map[BlockKind]int{}
	for _, b := range doc.Blocks {
		kinds[b.Kind]++
		if b.Page < 1 || b.Page > 2 || b.OCR {
			t.Errorf("block %+v: page out of range or marked OCR", b)
		}
		if (b.Kind == Heading) != (b.Level > 0) {
			t.Errorf("block %+v: level does not match kind", b)
		}
	}
	for _, k := range []BlockKind{Heading, Paragraph, ListItem} {
		if kinds[k] == 0 {
			t.Errorf("no %s among the blocks %+v", k, doc.Blocks)
		}
	}
}

// TestPDFLoaderErrorKinds: the engine's errors match this package's
// sentinels (callers and the sandbox test those) and still the engine's,
// with the message unchanged; ctx's errors pass through.
func TestPDFLoaderErrorKinds(t *testing.T) {
	t.Parallel()
	tests := []struct{ engine, want error }{
		{pdftext.ErrCorrupt, ErrCorrupt},
		{pdftext.ErrEncrypted, ErrEncrypted},
		{pdftext.ErrNoPages, ErrNoPages},
		{pdftext.ErrNoText, ErrNoText},
		{context.Canceled, context.Canceled},
	}
	for _, tt := range tests {
		orig := fmt.Errorf("read PDF a.pdf: %w", tt.engine)
		got := pdfError(orig)
		if !errors.Is(got, tt.want) || !errors.Is(got, tt.engine) {
			t.Errorf("pdfError(%v) = %v: want it to match %v and %v", orig, got, tt.want, tt.engine)
		}
		if got.Error() != orig.Error() {
			t.Errorf("pdfError changed the message %q to %q", orig, got)
		}
	}
	corrupt := pdfError(fmt.Errorf("x: %w", pdftext.ErrCorrupt))
	for _, other := range []error{ErrEncrypted, ErrNoPages, ErrNoText} {
		if errors.Is(corrupt, other) {
			t.Errorf("a corrupt PDF also matches %v", other)
		}
	}

	data := []byte("%PDF-1.7\n")
	_, err := Bytes(t.Context(), "header.pdf", data, Options{})
	if !errors.Is(err, ErrCorrupt) || !strings.HasPrefix(err.Error(), "extract header.pdf: ") {
		t.Fatalf("Bytes(header only) = %v, want ErrCorrupt naming the file", err)
	}
	_, engineErr := pdftext.Extract(t.Context(), "header.pdf", data, pdftext.Options{})
	if !strings.Contains(err.Error(), engineErr.Error()) {
		t.Errorf("error %q lost the engine's message %q", err, engineErr)
	}
}

// TestPDFTextImportsNoExtract keeps the dependency one way: extract uses
// the PDF engine, which of extract's packages may use only sanitize.
func TestPDFTextImportsNoExtract(t *testing.T) {
	t.Parallel()
	const extract = "github.com/civitas-eu/civitas/internal/extract"
	for _, dir := range []string{"pdftext", "sanitize"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil || len(files) == 0 {
			t.Fatalf("no Go files in %s: %v", dir, err)
		}
		for _, name := range files {
			f, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			for _, imp := range f.Imports {
				path, _ := strconv.Unquote(imp.Path.Value)
				if (path == extract || strings.HasPrefix(path, extract+"/")) && path != extract+"/sanitize" {
					t.Errorf("%s imports %s", name, path)
				}
			}
		}
	}
}
