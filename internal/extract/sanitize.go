package extract

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// sanitizeText makes text safe to store and embed, whatever a loader dug
// out of a file: invalid UTF-8 becomes U+FFFD, line endings become \n,
// control and invisible formatting characters go (\n and \t stay), other
// Unicode spaces become plain spaces, runs of spaces collapse to one, lines
// lose trailing spaces, more than one blank line in a row collapses to one,
// and the result is in Unicode NFC so that "é" typed two ways compares
// equal in search. Every loader and Guard pass their text through it.
func sanitizeText(s string) string {
	if s == "" {
		return ""
	}
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	var b strings.Builder
	b.Grow(len(s))
	// Whitespace is held back and written only before the next visible
	// character, so leading and trailing whitespace vanish for free.
	spaces, tabs, newlines := 0, 0, 0
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == '\r':
			// \r\n is one line break; a lone \r (old Mac files) is one too.
			if i < len(s) && s[i] == '\n' {
				i++
			}
			newlines, spaces, tabs = newlines+1, 0, 0
		case r == '\n' || r == '\v' || r == '\f' || r == '\u2028' || r == '\u2029' || r == '\u0085':
			// Form feeds separate pages in pdftotext-like output; keep the
			// break rather than gluing the words on either side together.
			newlines, spaces, tabs = newlines+1, 0, 0
		case r == '\t':
			tabs++
		case r == ' ' || unicode.IsSpace(r):
			spaces++
		case unicode.IsControl(r) || isInvisible(r):
			// Dropped: NUL and friends break Postgres text columns and
			// tokenizers, and zero-width characters split words for search.
		default:
			if b.Len() > 0 {
				b.WriteString("\n\n"[:min(newlines, 2)])
				switch {
				case tabs > 0:
					b.WriteString(strings.Repeat("\t", tabs))
				case spaces > 0 && newlines == 0:
					b.WriteByte(' ')
				}
			}
			spaces, tabs, newlines = 0, 0, 0
			b.WriteRune(r)
		}
	}
	out := b.String()
	if !norm.NFC.IsNormalString(out) {
		out = norm.NFC.String(out)
	}
	return out
}

// isInvisible reports format characters that carry no text: byte order
// marks, zero-width spaces and joiners, soft hyphens, bidi controls.
func isInvisible(r rune) bool {
	switch r {
	case '\uFEFF', '\u00AD', '\u200B', '\u200C', '\u200D', '\u2060', '\uFFFE', '\uFFFF':
		return true
	}
	return (r >= '\u200E' && r <= '\u200F') || (r >= '\u202A' && r <= '\u202E') || (r >= '\u2066' && r <= '\u2069')
}

// appendBlock sanitizes text and appends it as a block of the given kind,
// unless nothing is left of it. level is kept only for headings and is
// clamped to 1..6.
func appendBlock(blocks []Block, kind BlockKind, level int, text string) []Block {
	text = sanitizeText(text)
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

// blocksFromLines makes one block of the given kind per non-empty line.
func blocksFromLines(lines []string, kind BlockKind) []Block {
	var blocks []Block
	for _, l := range lines {
		blocks = appendBlock(blocks, kind, 0, l)
	}
	return blocks
}

// normLanguage turns a declared language tag ("fr-FR", "de_DE", "EN") into
// the ISO 639-1 code Document.Language holds, or "" when the tag does not
// start with two letters.
func normLanguage(tag string) string {
	tag = strings.TrimSpace(tag)
	if len(tag) < 2 {
		return ""
	}
	code := strings.ToLower(tag[:2])
	if code[0] < 'a' || code[0] > 'z' || code[1] < 'a' || code[1] > 'z' {
		return ""
	}
	if len(tag) > 2 && tag[2] != '-' && tag[2] != '_' {
		return "" // a three-letter code or a word, not ISO 639-1
	}
	return code
}

// joinCells makes the text of a table row: cells joined with " | ", empty
// cells at the end dropped (they are layout, not data), "" when the row
// is empty. Leading and inner empty cells stay to keep columns aligned
// with the header row.
func joinCells(cells []string) string {
	end := len(cells)
	for end > 0 && strings.TrimSpace(cells[end-1]) == "" {
		end--
	}
	return strings.Join(cells[:end], " | ")
}
