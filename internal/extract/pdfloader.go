package extract

import (
	"context"
	"errors"

	"github.com/civitas-eu/civitas/internal/extract/pdftext"
)

// pdfLoader reads PDFs with the PDF engine in package pdftext and turns
// its document and errors into this package's.
type pdfLoader struct{ opts Options }

func newPDFLoader(opts Options) Loader { return pdfLoader{opts: opts} }

// Load extracts the text of a PDF; see pdftext.Extract for the errors,
// which come back as this package's (ErrCorrupt, ErrEncrypted, ErrNoPages,
// ErrNoText) with the engine's message unchanged.
func (l pdfLoader) Load(ctx context.Context, name string, data []byte) (*Document, error) {
	pd, err := pdftext.Extract(ctx, name, data, pdfOptions(l.opts))
	if err != nil {
		return nil, pdfError(err)
	}
	doc := &Document{MediaType: MediaPDF, Title: pd.Title, Pages: pd.Pages, Warnings: pd.Warnings}
	doc.Blocks = make([]Block, len(pd.Blocks))
	for i, b := range pd.Blocks {
		doc.Blocks[i] = Block{Kind: pdfBlockKind(b.Kind), Level: b.Level, Text: b.Text, Page: b.Page, OCR: b.OCR}
	}
	return doc, nil
}

// pdfOptions are the engine's options within opts.
func pdfOptions(opts Options) pdftext.Options {
	return pdftext.Options{OCR: opts.OCR, OCRLanguages: opts.OCRLanguages}
}

// pdfBlockKind maps the engine's block kinds to this package's.
func pdfBlockKind(k pdftext.BlockKind) BlockKind {
	switch k {
	case pdftext.Heading:
		return Heading
	case pdftext.ListItem:
		return ListItem
	default:
		return Paragraph
	}
}

// pdfError makes err, from pdftext, also match this package's sentinel
// for the same failure, keeping its message; other errors (ctx's) pass.
func pdfError(err error) error {
	kinds := []struct{ engine, kind error }{
		{pdftext.ErrCorrupt, ErrCorrupt},
		{pdftext.ErrEncrypted, ErrEncrypted},
		{pdftext.ErrNoPages, ErrNoPages},
		{pdftext.ErrNoText, ErrNoText},
	}
	for _, k := range kinds {
		if errors.Is(err, k.engine) {
			return &kindError{err: err, kind: k.kind}
		}
	}
	return err
}

// kindError is err that errors.Is also reports as kind.
type kindError struct{ err, kind error }

func (e *kindError) Error() string   { return e.err.Error() }
func (e *kindError) Unwrap() []error { return []error{e.err, e.kind} }
