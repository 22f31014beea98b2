package pdftext

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"unicode"

	"github.com/ledongthuc/pdf"
)

// The PDF engine, in files:
//
//	pdf.go          Load: open, walk the pages, recover, assemble the document
//	pdf_xref.go     read and check the cross-reference chain before the library does
//	pdf_open.go     check the xref entries; rebuild a broken table by scanning
//	pdf_synth.go    the synthetic xref stream and the file the library reads
//	pdf_lex.go      tokenizer for content streams, CMaps and xref sections
//	pdf_font.go     fonts: character codes to text and widths
//	pdf_cmap.go     ToUnicode CMaps
//	pdf_stream.go   content streams with a wrong /Length
//	pdf_stdfonts.go metrics and encodings of the standard fonts
//	pdf_text.go     content-stream interpreter: positioned spans of text
//	pdf_annot.go    appearances of annotations (filled-in form fields)
//	pdf_layout.go   spans to lines, lines to blocks
//	pdf_clean.go    headings, bullets, hyphenation, running headers, title
//	ocr.go          pages without text through pdftoppm and tesseract

// The API (Extract, Document, Block, Options, errors) is in pdftext.go.

// pdfLoader extracts PDFs page by page with github.com/ledongthuc/pdf.
type pdfLoader struct{ opts Options }

func newPDFLoader(opts Options) pdfLoader { return pdfLoader{opts: opts} }

const (
	// pdfMaxPages bounds the page tree walk; no real document comes close.
	pdfMaxPages = 100_000
	// pdfMaxDocText bounds the text kept from one document, which
	// decompression could otherwise blow up far beyond the file's size.
	pdfMaxDocText = 256 << 20
)

// Load is Extract with the loader's options: it recovers the library's
// panics as ErrCorrupt and returns when ctx is done even if the library is
// stuck in a loop on hostile input.
func (l pdfLoader) Load(ctx context.Context, name string, data []byte) (*Document, error) {
	type result struct {
		doc *Document
		err error
	}
	done := make(chan result, 1) // buffered: an abandoned load can still finish
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- result{err: fmt.Errorf("read PDF %s: %w: %w", name, pdfPanicError(r), ErrCorrupt)}
			}
		}()
		doc, err := l.load(ctx, name, data)
		done <- result{doc, err}
	}()
	select {
	case res := <-done:
		return res.doc, res.err
	case <-ctx.Done():
		return nil, fmt.Errorf("read PDF %s: %w", name, ctx.Err())
	}
}

// pdfPage is a leaf of the page tree with its inherited attributes.
type pdfPage struct {
	v         pdf.Value
	resources pdf.Value
	box       [4]float64 // crop (else media) box: x0, y0, x1, y1 with x0 < x1, y0 < y1; zero if unknown
}

// pdfPageResult is what one page yields before layout.
type pdfPageResult struct {
	lines    []pdfLine
	images   int
	unmapped int
	alnum    int
	bytes    int // of text
}

func (l pdfLoader) load(ctx context.Context, name string, data []byte) (*Document, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("read PDF %s: %w", name, err)
	}
	file, err := pdfOpen(data)
	if err != nil {
		return nil, fmt.Errorf("open PDF %s: %w", name, err)
	}
	r := file.r
	pages, err := pdfPages(r)
	if err != nil {
		return nil, fmt.Errorf("read page tree of %s: %w", name, err)
	}
	if len(pages) == 0 {
		return nil, fmt.Errorf("read PDF %s: %w", name, ErrNoPages)
	}
	doc := &Document{Pages: len(pages)}
	fonts := &pdfFontCache{fonts: map[string]*pdfFont{}}
	formFonts := pdfFormResources(r)
	results := make([]pdfPageResult, len(pages))
	lines := make([][]pdfLine, len(pages))
	var firstErr error
	failed, total := 0, 0
	for i, pg := range pages {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("read page %d of %s: %w", i+1, name, err)
		}
		if total >= pdfMaxDocText {
			doc.Warnings = append(doc.Warnings, fmt.Sprintf("text truncated: stopped before page %d of %d after %d MiB", i+1, len(pages), total>>20))
			break
		}
		res, err := pdfExtractPage(ctx, file, pg, fonts, formFonts)
		if ctxErr := ctx.Err(); ctxErr != nil && errors.Is(err, ctxErr) {
			return nil, fmt.Errorf("read page %d of %s: %w", i+1, name, err)
		}
		if err != nil {
			failed++
			if firstErr == nil {
				firstErr = err
			}
			doc.Warnings = append(doc.Warnings, fmt.Sprintf("page %d: %v; kept the text read before the error", i+1, err))
		}
		results[i], lines[i] = res, res.lines
		total += res.bytes
	}
	if failed == len(pages) && pdfCountText(lines) == 0 {
		return nil, fmt.Errorf("parse pages of %s: %w: %w", name, firstErr, ErrCorrupt)
	}

	boxes := make([][4]float64, len(pages))
	for i, pg := range pages {
		boxes[i] = pg.box
	}
	pdfDropMargins(lines, boxes)
	body, lead := pdfBodySize(lines), pdfLeading(lines)
	perPage := make([][]Block, len(pages))
	var scanned []int
	for i := range pages {
		// Headings stand out from their page's body text; a page with
		// little text borrows the document's.
		pageBody := body
		if results[i].alnum >= 200 {
			pageBody = pdfBodySize(lines[i : i+1])
		}
		perPage[i] = pdfBuildBlocks(lines[i], i+1, pageBody, lead)
		if results[i].images > 0 && results[i].alnum < 16 {
			scanned = append(scanned, i)
		}
	}
	if len(scanned) > 0 {
		w, err := l.ocrPages(ctx, name, data, pages, scanned, perPage)
		if err != nil {
			return nil, err
		}
		doc.Warnings = append(doc.Warnings, w...)
	}
	for _, blocks := range perPage {
		doc.Blocks = append(doc.Blocks, blocks...)
	}
	if len(doc.Blocks) == 0 {
		why := doc.Warnings
		unmapped := 0
		for _, res := range results {
			unmapped += res.unmapped
		}
		if unmapped > 0 {
			why = append(why, fmt.Sprintf("%d glyphs are drawn in fonts that map them to no character", unmapped))
		}
		reason := ""
		if len(why) > 0 {
			reason = " (" + strings.Join(why, "; ") + ")"
		}
		return nil, fmt.Errorf("read PDF %s: none of %d pages has text%s: %w", name, len(pages), reason, ErrNoText)
	}
	doc.Title = pdfCleanTitle(pdfInfoTitle(r))
	if doc.Title == "" {
		doc.Title = pdfFirstHeading(doc.Blocks)
	}
	return doc, nil
}

// pdfExtractPage reads one page's text. On a panic in the library or in
// malformed content it returns the lines read so far with the error.
func pdfExtractPage(ctx context.Context, file *pdfFile, pg pdfPage, fonts *pdfFontCache, formFonts pdf.Value) (res pdfPageResult, err error) {
	p := &pdfPageText{ctx: ctx, file: file, fonts: fonts, formFonts: formFonts, tm: pdfIdentity, tlm: pdfIdentity, gs: pdfGState{ctm: pdfIdentity, th: 1}}
	func() {
		defer func() {
			if r := recover(); r != nil {
				if a, ok := r.(pdfAbort); ok {
					err = a.err
					return
				}
				err = pdfPanicError(r)
			}
		}()
		p.run(pg.v.Key("Contents"), pg.resources, pdfIdentity, 0)
		p.annotations(pg.v.Key("Annots"), pg.resources)
	}()
	res.images, res.unmapped, res.bytes = p.images, p.unmapped, p.bytes
	res.lines = pdfBuildLines(pdfInBox(p.spans, pg.box))
	res.alnum = pdfCountText([][]pdfLine{res.lines})
	return res, err
}

// pdfInBox drops spans that start well outside the page, where viewers do
// not show them either (the slack keeps text a rounding error outside).
// Spans are in their rotation frame, so the box is turned the same way.
func pdfInBox(spans []pdfSpan, box [4]float64) []pdfSpan {
	if box == [4]float64{} {
		return spans
	}
	const slack = 36
	kept := spans[:0]
	for _, s := range spans {
		u0, v0 := pdfToFrame(box[0], box[1], s.rot)
		u1, v1 := pdfToFrame(box[2], box[3], s.rot)
		lo, hi := min(u0, u1)-slack, max(u0, u1)+slack
		bot, top := min(v0, v1)-slack, max(v0, v1)+slack
		if s.u1 >= lo && s.u0 <= hi && s.v >= bot && s.v <= top {
			kept = append(kept, s)
		}
	}
	return kept
}

// pdfCountText counts letters and digits, to tell pages with a text layer
// from scans that carry a stray stamp or page number.
func pdfCountText(pages [][]pdfLine) int {
	n := 0
	for _, lines := range pages {
		for _, l := range lines {
			for _, s := range l.segs {
				for _, r := range s.text {
					if unicode.IsLetter(r) || unicode.IsDigit(r) {
						n++
					}
				}
			}
		}
	}
	return n
}

// pdfPages walks the page tree in order. Attributes are inherited down the
// tree as the specification says; loops in the tree are cut and its depth
// and size are bounded. A node the library cannot read is skipped; only
// when no page at all could be reached is that an error.
func pdfPages(r *pdf.Reader) (pages []pdfPage, err error) {
	defer func() {
		if rec := recover(); rec != nil {
			err = fmt.Errorf("%w: %w", pdfPanicError(rec), ErrCorrupt)
		}
	}()
	root := r.Trailer().Key("Root").Key("Pages")
	if root.Kind() != pdf.Dict {
		return nil, fmt.Errorf("no page tree: %w", ErrCorrupt)
	}
	visits := 0
	onPath := map[string]bool{}
	var walk func(n, res, box pdf.Value, depth int)
	walk = func(n, res, box pdf.Value, depth int) {
		defer func() {
			if rec := recover(); rec != nil && err == nil {
				err = pdfPanicError(rec) // skip the broken node, remember why
			}
		}()
		visits++
		if depth > 64 || visits > 4*pdfMaxPages || len(pages) >= pdfMaxPages || n.Kind() != pdf.Dict {
			return
		}
		if v := n.Key("Resources"); v.Kind() == pdf.Dict {
			res = v
		}
		if v := n.Key("CropBox"); v.Len() == 4 {
			box = v
		} else if v := n.Key("MediaBox"); v.Len() == 4 {
			box = v
		}
		kids := n.Key("Kids")
		typ := n.Key("Type").Name()
		if typ == "Pages" || typ == "" && kids.Kind() == pdf.Array {
			key := n.String()
			if onPath[key] {
				return // a node that contains itself
			}
			onPath[key] = true
			for i := range kids.Len() {
				walk(kids.Index(i), res, box, depth+1)
			}
			delete(onPath, key)
			return
		}
		if typ == "Page" || typ == "" {
			pages = append(pages, pdfPage{v: n, resources: res, box: pdfBox(box)})
		}
	}
	walk(root, pdf.Value{}, pdf.Value{}, 0)
	if len(pages) > 0 {
		return pages, nil // the pages we could reach are worth reading
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", err, ErrCorrupt)
	}
	return nil, nil
}

// pdfBox normalises a rectangle; it is zero when absent or degenerate.
func pdfBox(v pdf.Value) [4]float64 {
	if v.Len() != 4 {
		return [4]float64{}
	}
	b := [4]float64{v.Index(0).Float64(), v.Index(1).Float64(), v.Index(2).Float64(), v.Index(3).Float64()}
	// A box written corner-reversed or negative ([0 0 -612 -792]) is
	// treated as unknown rather than normalised: normalised, it would hide
	// the text drawn at positive coordinates that its author meant to show.
	if !(b[2]-b[0] >= 1 && b[3]-b[1] >= 1) || math.IsInf(b[2]-b[0], 0) || math.IsInf(b[3]-b[1], 0) {
		return [4]float64{}
	}
	return b
}

// pdfFirstHeading is the title a document without one in its metadata
// gets: the top-level heading that comes first on the first page with
// headings (letterheads put smaller headings above the title), leaving out
// numbered ones ("1. Anlass" is a section, not the document).
func pdfFirstHeading(blocks []Block) string {
	best := Block{Level: 7}
	for _, b := range blocks {
		if b.Kind != Heading {
			continue
		}
		if best.Page != 0 && b.Page != best.Page {
			break
		}
		numbered := pdfNumberRe.MatchString(b.Text) || pdfSectionRe.MatchString(b.Text) || pdfChapterRe.MatchString(b.Text)
		if b.Level < best.Level && len(b.Text) <= 200 && !numbered {
			best = b
		}
	}
	return best.Text
}

// pdfFormResources returns the AcroForm's default resources, null when
// there are none or they cannot be read.
func pdfFormResources(r *pdf.Reader) (v pdf.Value) {
	defer func() {
		if recover() != nil {
			v = pdf.Value{}
		}
	}()
	return r.Trailer().Key("Root").Key("AcroForm").Key("DR")
}

// pdfInfoTitle reads /Title from the Info dictionary, "" if unreadable.
func pdfInfoTitle(r *pdf.Reader) (title string) {
	defer func() {
		if recover() != nil {
			title = ""
		}
	}()
	return r.Trailer().Key("Info").Key("Title").Text()
}

// pdfPanicError turns a recovered panic value into an error.
func pdfPanicError(r any) error {
	if err, ok := r.(error); ok {
		return fmt.Errorf("malformed PDF: %w", err)
	}
	return fmt.Errorf("malformed PDF: %v", r)
}
