// Package sanitize makes text dug out of untrusted document files safe to
// store, index and embed. It is shared by the document loaders of package
// extract and the PDF engine of package pdftext, and imports neither.
package sanitize

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Text makes text safe to store and embed, whatever a loader dug
// out of a file: invalid UTF-8 becomes U+FFFD, line endings become \n,
// control and invisible formatting characters go (\n and \t stay), other
// Unicode spaces become plain spaces, runs of spaces collapse to one, lines
// lose trailing spaces, more than one blank line in a row collapses to one,
// and the result is in Unicode NFC so that "é" typed two ways compares
// equal in search. Every document loader passes its text through it.
func Text(s string) string {
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
