// Package pdfmake writes small, valid, text-only PDF 1.4 files.
//
// It exists so that Civitas can produce its own sample and test documents
// with known content, page by page, instead of depending on third-party PDFs
// whose text layer we cannot control. Documents use the standard Helvetica
// and Helvetica-Bold fonts without embedding, with WinAnsiEncoding so that
// German and French text (ä ö ü ß é è à ç « » € –) survives extraction;
// characters outside WinAnsi are written as '?'.
//
// A Document is built top to bottom: each call lays its text out at once,
// word-wrapped to the A4 text width with Helvetica's glyph metrics, and
// starts a new page when the current one is full. WriteTo then serialises
// the pages, adding the optional Header and Footer to every page.
//
//	doc := pdfmake.New("Amtsblatt")
//	doc.Footer = "Stadt Musterstadt – Amtsblatt"
//	doc.PageLabel = "Seite"
//	doc.Heading("Bekanntmachung")
//	doc.Paragraph("Die Sitzung findet im Raum 2.14 statt.")
//	_, err := doc.WriteTo(w)
package pdfmake

import (
	"bytes"
	"strings"
)

// Page geometry in PDF points (1/72 inch), A4 portrait.
const (
	PageWidth    = 595.28
	PageHeight   = 841.89
	MarginLeft   = 62.0
	MarginRight  = 62.0
	MarginTop    = 72.0
	MarginBottom = 72.0

	// TextWidth is the usable line width between the side margins.
	TextWidth = PageWidth - MarginLeft - MarginRight
)

// Default sizes, in points, used by the convenience methods.
const (
	BodySize       = 10.5
	HeadingSize    = 16.0
	SubheadingSize = 12.5
	MarginalSize   = 8.0 // header and footer text

	// lineSpacing is the baseline-to-baseline distance as a multiple of the
	// font size; 1.35 keeps umlaut dots clear of the descenders above.
	lineSpacing = 1.35
)

// Style controls how Text lays out one block.
type Style struct {
	// Size is the font size in points; zero means BodySize.
	Size float64
	// Bold selects Helvetica-Bold instead of Helvetica.
	Bold bool
	// Indent shifts every line of the block right, in points.
	Indent float64
	// Hanging shifts the wrapped continuation lines further right, so a
	// list item's text aligns after its bullet.
	Hanging float64
	// SpaceBefore is the vertical gap above the block, in points. It is
	// dropped at the top of a page, where it would only push text down.
	SpaceBefore float64
	// KeepWithNext is the number of body lines that must still fit below
	// the block; if they do not, the block moves to the next page. Headings
	// use it so they are never stranded at the foot of a page.
	KeepWithNext int
}

// Document is a PDF under construction. The zero value is not usable; call
// New.
type Document struct {
	// Title is written to the document Info dictionary.
	Title string
	// Header, when not empty, is printed at the top left of every page.
	Header string
	// Footer, when not empty, is printed at the bottom left of every page.
	Footer string
	// PageLabel, when not empty, prints "<PageLabel> N" at the bottom right
	// of every page (for example "Page" or "Seite").
	PageLabel string

	pages     [][]placed
	y         float64 // baseline of the last placed line on the last page
	needBreak bool    // PageBreak was called; the next line starts a page
}

// placed is one laid-out line: WinAnsi bytes at a baseline position.
type placed struct {
	x, y float64
	size float64
	bold bool
	text []byte
}

// New returns an empty document with the given Info title.
func New(title string) *Document {
	return &Document{Title: title}
}

// Heading adds a bold, large heading that is kept with the text below it.
func (d *Document) Heading(text string) {
	d.Text(text, Style{Size: HeadingSize, Bold: true, SpaceBefore: 14, KeepWithNext: 2})
}

// Subheading adds a bold section heading, smaller than Heading.
func (d *Document) Subheading(text string) {
	d.Text(text, Style{Size: SubheadingSize, Bold: true, SpaceBefore: 10, KeepWithNext: 2})
}

// Paragraph adds body text, word-wrapped to the text width. Line breaks in
// text are kept; other runs of white space collapse to one space.
func (d *Document) Paragraph(text string) {
	d.Text(text, Style{SpaceBefore: 6})
}

// Bullet adds a list item prefixed with "• ", its wrapped lines aligned
// after the bullet. An empty item adds nothing, like an empty Paragraph.
func (d *Document) Bullet(text string) {
	const mark = "• "
	if strings.TrimSpace(text) == "" {
		return
	}
	d.Text(mark+text, Style{
		SpaceBefore: 2,
		Indent:      12,
		Hanging:     Measure(mark, BodySize, false),
	})
}

// PageBreak makes the next text start on a new page. Consecutive breaks do
// not produce empty pages.
func (d *Document) PageBreak() {
	d.needBreak = true
}

// NumPages reports how many pages WriteTo will write; an empty document
// still has one blank page, because a PDF without pages is not viewable.
func (d *Document) NumPages() int {
	return max(1, len(d.pages))
}

// Text lays out text in the given style, wrapping it at word boundaries and
// breaking pages as needed. Text that is empty or only white space adds
// nothing, not even its SpaceBefore.
func (d *Document) Text(text string, st Style) {
	if st.Size <= 0 {
		st.Size = BodySize
	}
	var lines [][]byte
	for _, para := range strings.Split(text, "\n") {
		lines = append(lines, wrap(encodeWinAnsi(para), st)...)
	}
	if len(lines) == 0 {
		return
	}
	lead := st.Size * lineSpacing
	if st.KeepWithNext > 0 && len(d.pages) > 0 && !d.needBreak {
		need := st.SpaceBefore + float64(len(lines))*lead + float64(st.KeepWithNext)*BodySize*lineSpacing
		if d.y-need < MarginBottom {
			d.needBreak = true
		}
	}
	for i, line := range lines {
		gap := lead
		if i == 0 {
			gap += st.SpaceBefore
		}
		if len(d.pages) == 0 || d.needBreak || d.y-gap < MarginBottom {
			d.pages = append(d.pages, nil)
			d.needBreak = false
			d.y = PageHeight - MarginTop + lead // first baseline sits one lead below the top margin
			gap = lead
		}
		x := MarginLeft + st.Indent
		if i > 0 {
			x += st.Hanging
		}
		d.y -= gap
		last := len(d.pages) - 1
		d.pages[last] = append(d.pages[last], placed{x: x, y: d.y, size: st.Size, bold: st.Bold, text: line})
	}
}

// Measure returns the width in points of text set in Helvetica (or
// Helvetica-Bold) at size, after WinAnsi conversion, so callers can align
// their own indents with what Text will lay out.
func Measure(text string, size float64, bold bool) float64 {
	return textWidth(encodeWinAnsi(text), size, bold)
}

// wrap splits one paragraph into lines that fit the text width. A word wider
// than a whole line is cut between characters rather than overflowing the
// page edge, which a reader would not see at all.
func wrap(para []byte, st Style) [][]byte {
	// Split on the ASCII space only: para is WinAnsi, not UTF-8, so the
	// UTF-8-aware bytes.Fields could misread byte pairs such as "Â…" as a
	// separator, and encodeWinAnsi has already turned tabs into spaces. The
	// no-break space (0xA0) thus keeps "10 €" together, as intended.
	var words [][]byte
	for _, w := range bytes.Split(para, []byte{' '}) {
		if len(w) > 0 {
			words = append(words, w)
		}
	}
	space := textWidth([]byte{' '}, st.Size, st.Bold)
	var (
		lines [][]byte
		cur   []byte
		curW  float64
	)
	avail := func() float64 {
		w := TextWidth - st.Indent
		if len(lines) > 0 {
			w -= st.Hanging
		}
		return w
	}
	flush := func() {
		lines = append(lines, cur)
		cur, curW = nil, 0
	}
	for _, word := range words {
		wb := word
		ww := textWidth(wb, st.Size, st.Bold)
		if len(cur) > 0 && curW+space+ww <= avail() {
			cur = append(append(cur, ' '), wb...)
			curW += space + ww
			continue
		}
		if len(cur) > 0 {
			flush()
		}
		for ww > avail() && len(wb) > 1 {
			n := fitPrefix(wb, avail(), st)
			cur = wb[:n]
			flush()
			wb = wb[n:]
			ww = textWidth(wb, st.Size, st.Bold)
		}
		cur, curW = append([]byte(nil), wb...), ww
	}
	if len(cur) > 0 {
		flush()
	}
	return lines
}

// fitPrefix returns how many leading bytes of b fit in width, at least one
// so that wrapping always makes progress.
func fitPrefix(b []byte, width float64, st Style) int {
	n := 1
	for n < len(b) && textWidth(b[:n+1], st.Size, st.Bold) <= width {
		n++
	}
	return n
}
