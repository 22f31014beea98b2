// Package extract turns document files (PDF, DOCX, ODT, HTML, Markdown,
// plain text) into structured text: blocks of headings, paragraphs, list
// items and table rows, each with the page it stands on. It never lets a
// broken file take the caller down: every loader runs behind Guard, which
// recovers panics and enforces a size and a time limit, optionally inside
// a child process with memory and CPU limits (Sandbox), and failures come
// back as errors that name the file and say what is wrong.
//
// The PDF engine is package pdftext (pdfloader.go adapts it); the text
// clean-up every loader applies is package sanitize. Neither imports this
// package.
package extract

import (
	"context"
	"errors"
	"time"
)

// BlockKind says what a block of text is, so the chunker can cut along the
// document's structure.
type BlockKind int

const (
	Paragraph BlockKind = iota
	Heading
	ListItem
	TableRow
)

func (k BlockKind) String() string {
	switch k {
	case Heading:
		return "heading"
	case ListItem:
		return "list item"
	case TableRow:
		return "table row"
	default:
		return "paragraph"
	}
}

// Block is one structural unit of text.
type Block struct {
	Kind  BlockKind
	Level int    // heading level, 1 (top) to 6; 0 for other kinds
	Text  string // valid UTF-8, no NUL or other control characters but \n and \t
	Page  int    // 1-based page number; 0 for formats without pages
	OCR   bool   // the text was recognised from a page image
}

// Document is the text of one file.
type Document struct {
	Title     string // from metadata or the first heading; may be ""
	MediaType string // e.g. "application/pdf"
	Language  string // ISO 639-1 code the file declares (html lang, docx), or ""
	Pages     int    // page count; 0 for formats without pages
	Blocks    []Block
	// Warnings are problems that did not stop extraction, e.g. pages
	// without a text layer when no OCR is available.
	Warnings []string
}

// Loader extracts one format. Load must honour ctx (Guard cancels it at the
// time limit) and may assume data is at most the configured size limit.
type Loader interface {
	Load(ctx context.Context, name string, data []byte) (*Document, error)
}

// Errors a loader returns for the common ways a file cannot be read. They
// are wrapped with the file name and details; test with errors.Is.
var (
	ErrUnsupported = errors.New("unsupported file type")
	ErrEncrypted   = errors.New("encrypted or password-protected")
	ErrCorrupt     = errors.New("damaged or not a valid file of its type")
	ErrNoPages     = errors.New("no pages")
	ErrNoText      = errors.New("no extractable text (scanned?) — install tesseract-ocr to OCR it")
	ErrTooLarge    = errors.New("file exceeds the size limit")
	ErrTimeout     = errors.New("extraction exceeded the time limit")
	ErrPanic       = errors.New("loader crashed")
	// ErrMemory: the sandboxed parser used more memory than allowed.
	ErrMemory = errors.New("extraction exceeded the memory limit")
)

// Options bound and tune extraction of one file.
type Options struct {
	// MaxBytes is the largest file accepted (ErrTooLarge beyond).
	MaxBytes int64
	// Timeout bounds one file's extraction (ErrTimeout beyond).
	Timeout time.Duration
	// OCR enables recognising pages without a text layer, when tesseract
	// and pdftoppm are installed.
	OCR bool
	// OCRLanguages are tesseract language codes to try, e.g. "deu", "fra";
	// the document language, when known, is put first by the caller.
	OCRLanguages []string
	// Sandbox, when set, runs the parser in a child process with memory,
	// CPU and wall-clock limits (see Sandbox), so that a file that crashes
	// the parser in a way recover cannot catch (stack exhaustion, runaway
	// memory) fails alone instead of taking this process down. nil parses
	// in this process.
	Sandbox *Sandbox
}

// DefaultOptions are the limits used when the caller sets none.
func DefaultOptions() Options {
	return Options{MaxBytes: 200 << 20, Timeout: 2 * time.Minute, OCR: true, OCRLanguages: []string{"deu", "fra", "eng"}}
}
