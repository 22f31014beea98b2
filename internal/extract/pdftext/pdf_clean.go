package pdftext

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/civitas-eu/civitas/internal/extract/sanitize"
)

// Heuristics that clean up a PDF's text once it is laid out: numbered
// headings and list bullets, hyphenation at line ends, repeated page
// headers and footers, and the document title.

// pdfAfterNumber is what may follow the number of a section or chapter
// heading.
const pdfAfterNumber = `(?:$|\s*[—–:-]|\s+[\p{Lu}(])`

var (
	// "§ 3 Steuerpflicht", "TOP 4", "Artikel 5", "Article 12": the number
	// ends the line or is followed by a dash, a colon or a capital, not by
	// running text ("Article 5 shall apply").
	pdfSectionRe = regexp.MustCompile(`^(?:§{1,2}\s*\d+[a-z]?|(?:TOP|Top)\s*\d+|(?:Art\.|Artikel|ARTIKEL|Article|ARTICLE)\s+\d+[a-z]?)` + pdfAfterNumber)
	// "Kapitel 2", "TITLE III", "Chapter 2—ROLES AND …", "Anlage 1" …
	pdfChapterRe = regexp.MustCompile(`^(?:Kapitel|KAPITEL|Chapter|CHAPTER|Chapitre|CHAPITRE|Titre|TITRE|Title|TITLE|Teil|TEIL|Abschnitt|ABSCHNITT|Section|SECTION|Annex|ANNEX|Anlage|ANLAGE)\s+[\dIVXLC]+\.?` + pdfAfterNumber)
	// "1. Anlass", "2.1 Abteilung …", "IV. Beschluss": a number (with a
	// dot when it has one part) followed by a capitalised word.
	pdfNumberRe = regexp.MustCompile(`^(\d{1,2}(?:\.\d{1,2}){1,4}\.?|\d{1,2}\.|[IVX]{1,5}\.)\s+\p{Lu}`)
)

// pdfNumberedLevel returns the heading level a line's numbering implies, or
// 0 when it does not look like a numbered heading: short, at most ten
// words, not a sentence (a final period is allowed on very short lines, "1.1. Purpose.").
func pdfNumberedLevel(s string) int {
	words := len(strings.Fields(s))
	if len(s) > 80 || words > 10 || words < 2 && !pdfSectionRe.MatchString(s) {
		return 0 // a numbered paragraph's first line, not a heading
	}
	if strings.HasSuffix(s, ",") || strings.HasSuffix(s, ";") || strings.HasSuffix(s, ".") && words > 8 {
		return 0
	}
	sentence := strings.HasSuffix(s, ".") && words > 3
	switch {
	case pdfChapterRe.MatchString(s) && !sentence:
		return 1
	case pdfSectionRe.MatchString(s) && !sentence:
		return 2
	}
	m := pdfNumberRe.FindStringSubmatch(s)
	if m == nil {
		return 0
	}
	num := strings.TrimSuffix(m[1], ".")
	if num[0] >= 'A' { // roman numeral
		return 1
	}
	return min(strings.Count(num, ".")+1, 6)
}

// pdfLineKind says whether a line starts a list item or is a numbered
// heading (with its level); anything else is paragraph text.
func pdfLineKind(s string) (BlockKind, int) {
	r, n := utf8.DecodeRuneInString(s)
	switch r {
	case '•', '●', '▪', '■', '◦', '‣', '·', '□', '❑', '✓', '✔':
		return ListItem, 0
	case '-', '–', '*':
		if n < len(s) && s[n] == ' ' {
			return ListItem, 0
		}
	}
	if level := pdfNumberedLevel(s); level > 0 {
		return Paragraph, level
	}
	return Paragraph, 0
}

// pdfHeadingLevel decides whether a finished block is a heading: a
// numbered one-liner, a short block in a font at least 15 % larger than
// the body text, or a short bold line alone on its line that does not wrap.
func pdfHeadingLevel(b *pdfBlock, text string, body float64) int {
	if len(b.lines) > 3 || len(text) > 150 || !strings.ContainsFunc(text, unicode.IsLetter) ||
		strings.HasSuffix(text, ",") || strings.HasSuffix(text, ";") {
		return 0
	}
	for _, l := range b.lines[:len(b.lines)-1] {
		if strings.HasSuffix(l, ".") || strings.HasSuffix(l, ":") {
			return 0 // a sentence ends inside: text, not a heading
		}
	}
	sentence := strings.HasSuffix(text, ".") && len(strings.Fields(text)) > 6
	sizeLevel := 0
	switch ratio := b.size / max(body, 1); {
	case sentence:
	case ratio >= 1.4:
		sizeLevel = 1
	case ratio >= 1.15:
		sizeLevel = 2
	}
	switch {
	case b.numbered > 0 && sizeLevel > 0:
		return min(b.numbered, sizeLevel)
	case b.numbered > 0:
		return b.numbered
	case sizeLevel > 0:
		return sizeLevel
	case b.bold && b.alone && !b.wraps && len(b.lines) == 1 && len(text) <= 100 &&
		!strings.HasSuffix(text, ".") && !strings.HasSuffix(text, ":"):
		return 3 // a bold line of its own; not a table's bold column header
	}
	return 0
}

// pdfJoinConjunctions are words after which a line-end hyphen is an
// elided compound ("Bau- und Planungsreferat"), not a split word.
var pdfJoinConjunctions = map[string]bool{
	"und": true, "oder": true, "bzw": true, "sowie": true, "bis": true, "als": true, "noch": true, "wie": true,
	"et": true, "ou": true, "and": true, "or": true, "nor": true, "to": true,
}

// pdfJoinLines joins a block's lines with spaces, undoing hyphenation:
//
//   - a soft hyphen at a line end is dropped: "Verwal\u00ad|tung" → "Verwaltung";
//   - "letter-" before a lower-case word loses the hyphen: "Verwal-|tung"
//     → "Verwaltung", unless that word is a conjunction: "Bau-|und" →
//     "Bau- und";
//   - "letter-" before an upper-case letter or a digit keeps it, without a
//     space: "E-|Mail" → "E-Mail", "COVID-|19" → "COVID-19".
//
// It can be wrong for English compounds split at their own hyphen
// ("well-|known" → "wellknown"); pdftotext makes the same choice.
func pdfJoinLines(lines []string) string {
	if len(lines) == 1 {
		return lines[0]
	}
	var out []byte
	for i, l := range lines {
		if i > 0 {
			out = pdfJoinAt(out, l)
		}
		out = append(out, l...)
	}
	return string(out)
}

// pdfJoinAt prepares out, ending with the previous line, for next.
func pdfJoinAt(out []byte, next string) []byte {
	last, n := utf8.DecodeLastRune(out)
	if last == '\u00AD' {
		return out[:len(out)-n]
	}
	if last != '-' && last != '\u2010' {
		return append(out, ' ')
	}
	before, _ := utf8.DecodeLastRune(out[:len(out)-n])
	if !unicode.IsLetter(before) {
		return append(out, ' ')
	}
	first, _ := utf8.DecodeRuneInString(next)
	switch {
	case unicode.IsLower(first):
		word := strings.ToLower(strings.TrimRight(strings.Fields(next)[0], ".,;:"))
		if pdfJoinConjunctions[word] {
			return append(out, ' ')
		}
		return out[:len(out)-n]
	case unicode.IsUpper(first) || unicode.IsDigit(first):
		return out
	}
	return append(out, ' ')
}

// pdfMarginLines is how many lines at the top and at the bottom of a page
// are candidates for a running header or footer.
const pdfMarginLines = 3

// pdfMarginKey is what identifies a running header or footer line: its
// text in lower case, without spaces, digit runs replaced by "#" so that
// "Seite 3 von 12" matches "Seite 4 von 12", and without a page number at
// either end, so that "2 DAFI21-101" on even pages matches "DAFI21-101 3"
// on odd ones.
func pdfMarginKey(l pdfLine) string {
	t := l.text()
	if len(t) > 200 {
		return ""
	}
	var b strings.Builder
	digit := false
	for _, r := range strings.ToLower(t) {
		switch {
		case unicode.IsDigit(r):
			if !digit {
				b.WriteByte('#')
			}
			digit = true
			continue
		case unicode.IsSpace(r):
		default:
			b.WriteRune(r)
		}
		digit = false
	}
	key := strings.Trim(b.String(), "#-–—|/.")
	if key == "" && b.Len() > 0 {
		return "#" // a bare page number
	}
	return key
}

// pdfMarginZone is the share of the page height, at the top and at the
// bottom, where running headers and footers sit.
const pdfMarginZone = 0.12

// pdfDropMargins removes running headers and footers: on documents of at
// least three pages with text, a line among the first or last
// pdfMarginLines lines of a page, inside the margin zone when the page
// size is known, whose key appears in that position on at least half of
// those pages. boxes[i] is page i's box (zero when unknown; boxes may be
// nil). It returns how many lines it removed.
func pdfDropMargins(pages [][]pdfLine, boxes [][4]float64) int {
	withText := 0
	for _, lines := range pages {
		if len(lines) > 0 {
			withText++
		}
	}
	if withText < 3 {
		return 0
	}
	// inZone reports whether line i of page p may be a header (top) or a
	// footer (!top).
	inZone := func(p, i int, top bool) bool {
		lines := pages[p]
		if top && i >= pdfMarginLines || !top && i < len(lines)-pdfMarginLines {
			return false
		}
		if p >= len(boxes) || boxes[p] == [4]float64{} || lines[i].rot != 0 {
			return true
		}
		b := boxes[p]
		zone := pdfMarginZone * (b[3] - b[1])
		if top {
			return lines[i].v >= b[3]-zone
		}
		return lines[i].v <= b[1]+zone
	}
	top, bottom := map[string]int{}, map[string]int{}
	for p, lines := range pages {
		seenTop, seenBottom := map[string]bool{}, map[string]bool{}
		for i, l := range lines {
			k := pdfMarginKey(l)
			if k != "" && inZone(p, i, true) && !seenTop[k] {
				seenTop[k] = true
				top[k]++
			}
			if k != "" && inZone(p, i, false) && !seenBottom[k] {
				seenBottom[k] = true
				bottom[k]++
			}
		}
	}
	need := (withText + 1) / 2
	dropped := 0
	for p, lines := range pages {
		var kept []pdfLine
		for i, l := range lines {
			k := pdfMarginKey(l)
			if k != "" && (inZone(p, i, true) && top[k] >= need || inZone(p, i, false) && bottom[k] >= need) {
				dropped++
				continue
			}
			kept = append(kept, l)
		}
		pages[p] = kept
	}
	return dropped
}

// pdfCleanTitle keeps an Info dictionary title only if it looks like one:
// "Microsoft Word - antrag.docx" and bare file names are what office
// software fills in, not titles.
func pdfCleanTitle(s string) string {
	s = strings.Join(strings.Fields(sanitize.Text(s)), " ")
	if strings.HasPrefix(s, "Microsoft Word - ") || strings.HasPrefix(s, "Microsoft PowerPoint - ") {
		return "" // the name of the file it was printed from
	}
	lower := strings.ToLower(s)
	for _, ext := range []string{".docx", ".doc", ".odt", ".rtf", ".pdf", ".xlsx", ".pptx"} {
		if strings.HasSuffix(lower, ext) {
			return ""
		}
	}
	if len(s) < 3 || lower == "untitled" || lower == "unbenannt" || lower == "sans titre" {
		return ""
	}
	return s
}

// pdfSpanText cleans decoded glyph text: valid UTF-8, no control
// characters (a tab or line feed inside a string is a space), no
// replacement characters for unmapped glyphs, private-use bullets (Symbol
// and Wingdings through a ToUnicode map) as "•", ligatures spelled out as
// pdftotext does.
func pdfSpanText(b []byte) string {
	clean := true
	for _, c := range b {
		if c < ' ' || c >= 0x7F {
			clean = false
			break
		}
	}
	if clean {
		return string(b)
	}
	out := make([]byte, 0, len(b))
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		b = b[n:]
		switch {
		case r == '\t' || r == '\n' || r == '\r' || r == '\u00A0':
			out = append(out, ' ')
		case r < ' ' || r == 0x7F || (r >= 0x80 && r < 0xA0) || r == utf8.RuneError:
		case r == 0xF0B7 || r == 0xF0A7 || r == 0xF06C || r == 0xF0D8 || r == 0xF076 || r == 0xF0FC:
			out = append(out, "•"...)
		case r >= 0xE000 && r <= 0xF8FF:
		case r >= 0xFB00 && r <= 0xFB06:
			out = append(out, [...]string{"ff", "fi", "fl", "ffi", "ffl", "ſt", "st"}[r-0xFB00]...)
		default:
			out = utf8.AppendRune(out, r)
		}
	}
	return string(out)
}
