// Package pdftext is the PDF engine: it reads the text of a PDF page by
// page, as blocks of headings, paragraphs and list items in reading order,
// with the page each stands on. It reads the objects with
// github.com/ledongthuc/pdf, but checks and repairs the cross-reference
// table first, interprets content streams itself (fonts, ToUnicode CMaps,
// positions), lays spans out into lines and blocks, drops running headers
// and page numbers, and OCRs pages without a text layer when tesseract and
// pdftoppm are installed.
//
// Package extract uses it for the PDF format and turns its Document into
// extract's; pdftext knows nothing of the other formats, of the size and
// time limits or of the sandbox, which extract applies around it. Block
// text is sanitized with package sanitize, as that of every other loader.
package pdftext

import (
	"context"
	"errors"
	"strings"

	"github.com/civitas-eu/civitas/internal/extract/sanitize"
)

// BlockKind says what a block of text is.
type BlockKind int

// The kinds of block the engine makes. Tables are read as paragraphs.
const (
	Paragraph BlockKind = iota
	Heading
	ListItem
)

// Block is one structural unit of text.
type Block struct {
	Kind  BlockKind
	Level int    // heading level, 1 (top) to 6; 0 for other kinds
	Text  string // sanitized: valid UTF-8, no control characters but \n and \t
	Page  int    // 1-based page number
	OCR   bool   // the text was recognised from a page image
}

// Document is the text of one PDF.
type Document struct {
	Title    string // from the Info dictionary or the first heading; may be ""
	Pages    int    // page count
	Blocks   []Block
	Warnings []string // problems that did not stop extraction, e.g. an unreadable page
}

// Options tune extraction of one PDF.
type Options struct {
	// OCR enables recognising pages without a text layer, when tesseract
	// and pdftoppm are installed.
	OCR bool
	// OCRLanguages are tesseract language codes to try, e.g. "deu", "fra".
	OCRLanguages []string
}

// Errors Extract returns for the ways a PDF cannot be read. They are
// wrapped with the file name and details; test with errors.Is.
var (
	ErrEncrypted = errors.New("encrypted or password-protected")
	ErrCorrupt   = errors.New("damaged or not a valid file of its type")
	ErrNoPages   = errors.New("no pages")
	ErrNoText    = errors.New("no extractable text (scanned?) — install tesseract-ocr to OCR it")
)

// Extract reads the text of the PDF in data; name is used in errors and
// warnings only. It returns ErrCorrupt for data that is not a readable
// PDF, ErrEncrypted when it needs a password (or uses encryption the
// library cannot undo), ErrNoPages for an empty page tree, ErrNoText when
// no page has text and OCR could not supply any, and ctx's error when ctx
// ends first. A page that cannot be read becomes a warning.
//
// Extract returns when ctx is done even if the PDF library is stuck in a
// loop on hostile input; the abandoned goroutine then finishes on its own,
// so the caller must not modify data after a cancellation.
func Extract(ctx context.Context, name string, data []byte, opts Options) (*Document, error) {
	return newPDFLoader(opts).Load(ctx, name, data)
}

// appendBlock sanitizes text and appends it as a block of the given kind,
// unless nothing is left of it. level is kept only for headings and is
// clamped to 1..6.
func appendBlock(blocks []Block, kind BlockKind, level int, text string) []Block {
	text = sanitize.Text(text)
	if strings.TrimSpace(text) == "" {
		return blocks
	}
	if kind == Heading {
		level = max(1, min(level, 6))
	} else {
		level = 0
	}
	return append(blocks, Block{Kind: kind, Level: level, Text: text})
}

// OCRAvailable reports whether Extract with opts can OCR pages without a
// text layer and, when not, why (e.g. tesseract is not installed).
func OCRAvailable(ctx context.Context, opts Options) (bool, string) {
	eng, why := newOCREngine(ctx, opts)
	return eng != nil, why
}
