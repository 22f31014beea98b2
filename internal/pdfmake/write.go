package pdfmake

import (
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Fixed object numbers; page objects follow from firstPageObj, two per page
// (the page dictionary, then its content stream).
const (
	catalogObj   = 1
	pagesObj     = 2
	fontObj      = 3 // Helvetica, resource name /F1
	boldFontObj  = 4 // Helvetica-Bold, resource name /F2
	infoObj      = 5
	firstPageObj = 6
)

// footerBaseline and headerBaseline place the marginal lines inside the
// bottom and top margins, clear of the body text.
const (
	footerBaseline = 40.0
	headerBaseline = PageHeight - 40.0
)

// WriteTo writes the document as a PDF file to w. It implements io.WriterTo.
// The output is deterministic (no creation date or random ID), so the same
// document always yields the same bytes, which keeps generated fixtures
// stable under version control.
func (d *Document) WriteTo(w io.Writer) (int64, error) {
	cw := &countingWriter{w: w}
	pages := d.pages
	if len(pages) == 0 {
		pages = [][]placed{nil}
	}
	nObjs := firstPageObj + 2*len(pages) // object 0 is the free-list head
	offsets := make([]int64, nObjs)
	obj := func(num int, body string) {
		offsets[num] = cw.n
		fmt.Fprintf(cw, "%d 0 obj\n%s\nendobj\n", num, body)
	}

	// The second header line is the customary comment of four bytes >= 0x80
	// that tells transfer tools the file is binary.
	cw.WriteString("%PDF-1.4\n%\xE2\xE3\xCF\xD3\n")

	obj(catalogObj, fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", pagesObj))
	kids := make([]string, len(pages))
	for i := range pages {
		kids[i] = fmt.Sprintf("%d 0 R", firstPageObj+2*i)
	}
	obj(pagesObj, fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(pages)))
	obj(fontObj, fontDict("Helvetica", &helveticaWidths))
	obj(boldFontObj, fontDict("Helvetica-Bold", &helveticaBoldWidths))
	obj(infoObj, fmt.Sprintf("<< /Title %s /Producer (Civitas pdfmake) >>", utf16Hex(d.Title)))

	for i, lines := range pages {
		pageNum, contentNum := firstPageObj+2*i, firstPageObj+2*i+1
		obj(pageNum, fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %s %s] "+
			"/Resources << /Font << /F1 %d 0 R /F2 %d 0 R >> >> /Contents %d 0 R >>",
			pagesObj, num(PageWidth), num(PageHeight), fontObj, boldFontObj, contentNum))
		stream := d.contentStream(lines, i+1)
		obj(contentNum, fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(stream), stream))
	}

	xref := cw.n
	fmt.Fprintf(cw, "xref\n0 %d\n0000000000 65535 f \n", nObjs)
	for _, off := range offsets[1:] {
		fmt.Fprintf(cw, "%010d 00000 n \n", off) // each entry exactly 20 bytes, as the format requires
	}
	fmt.Fprintf(cw, "trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n",
		nObjs, catalogObj, infoObj, xref)
	if cw.err != nil {
		return cw.n, fmt.Errorf("pdfmake: write document: %w", cw.err)
	}
	return cw.n, nil
}

// contentStream renders one page's lines plus its header and footer. Each
// line is its own BT/ET text object with absolute coordinates: extractors
// then see one line per object, in reading order, with no state carried
// between lines that a lenient parser could get wrong.
func (d *Document) contentStream(lines []placed, page int) string {
	var sb strings.Builder
	emit := func(p placed) {
		font := "/F1"
		if p.bold {
			font = "/F2"
		}
		fmt.Fprintf(&sb, "BT %s %s Tf %s %s Td (", font, num(p.size), num(p.x), num(p.y))
		escapeString(&sb, p.text)
		sb.WriteString(") Tj ET\n")
	}
	if d.Header != "" {
		emit(placed{x: MarginLeft, y: headerBaseline, size: MarginalSize, text: encodeWinAnsi(d.Header)})
	}
	for _, p := range lines {
		emit(p)
	}
	if d.Footer != "" {
		emit(placed{x: MarginLeft, y: footerBaseline, size: MarginalSize, text: encodeWinAnsi(d.Footer)})
	}
	if d.PageLabel != "" {
		label := encodeWinAnsi(d.PageLabel + " " + strconv.Itoa(page))
		x := PageWidth - MarginRight - textWidth(label, MarginalSize, false)
		emit(placed{x: x, y: footerBaseline, size: MarginalSize, text: label})
	}
	return strings.TrimSuffix(sb.String(), "\n")
}

// fontDict describes a standard Type 1 font. The /Widths array is optional
// for the standard 14 fonts in PDF 1.4, but extractors that compute glyph
// positions (ledongthuc/pdf's Content, for one) read it, so we supply it.
func fontDict(base string, widths *[224]uint16) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "<< /Type /Font /Subtype /Type1 /BaseFont /%s /Encoding /WinAnsiEncoding /FirstChar 32 /LastChar 255 /Widths [", base)
	for i, wd := range widths {
		if i > 0 {
			sb.WriteByte(' ')
		}
		sb.WriteString(strconv.Itoa(int(wd)))
	}
	sb.WriteString("] >>")
	return sb.String()
}

// num formats a coordinate with at most two decimals, which is finer than
// any viewer renders and keeps content streams short and readable.
func num(f float64) string {
	s := strconv.FormatFloat(f, 'f', 2, 64)
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// countingWriter tracks the byte offset for the xref table and remembers
// the first write error, so WriteTo can write freely and check once.
type countingWriter struct {
	w   io.Writer
	n   int64
	err error
}

func (c *countingWriter) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.w.Write(p)
	c.n += int64(n)
	c.err = err
	return n, err
}

func (c *countingWriter) WriteString(s string) {
	_, _ = c.Write([]byte(s))
}
