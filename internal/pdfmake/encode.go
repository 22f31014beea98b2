package pdfmake

import (
	"strings"
	"unicode/utf8"
)

// winAnsiHigh maps the runes that WinAnsiEncoding (Windows-1252) places in
// 0x80–0x9F to their byte. Everything else we accept is either ASCII or
// Latin-1 (0xA0–0xFF), where the rune value is the byte value.
var winAnsiHigh = map[rune]byte{
	'€': 0x80, '‚': 0x82, 'ƒ': 0x83, '„': 0x84, '…': 0x85, '†': 0x86, '‡': 0x87,
	'ˆ': 0x88, '‰': 0x89, 'Š': 0x8A, '‹': 0x8B, 'Œ': 0x8C, 'Ž': 0x8E,
	'‘': 0x91, '’': 0x92, '“': 0x93, '”': 0x94, '•': 0x95, '–': 0x96, '—': 0x97,
	'˜': 0x98, '™': 0x99, 'š': 0x9A, '›': 0x9B, 'œ': 0x9C, 'ž': 0x9E, 'Ÿ': 0x9F,
}

// encodeWinAnsi converts UTF-8 text to WinAnsiEncoding bytes. Runes the
// encoding lacks become '?', so a reader sees that something was lost rather
// than a silently shifted glyph. Tabs and other control characters become
// spaces: the layout code owns line breaks, so they must never reach a
// content stream.
func encodeWinAnsi(s string) []byte {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size == 1:
			out = append(out, '?')
		case r < 0x20 || r == 0x7F:
			out = append(out, ' ')
		case r < 0x7F:
			out = append(out, byte(r))
		case r >= 0xA0 && r <= 0xFF:
			out = append(out, byte(r))
		default:
			if b, ok := winAnsiHigh[r]; ok {
				out = append(out, b)
			} else {
				out = append(out, '?')
			}
		}
	}
	return out
}

// escapeString writes b as the body of a PDF literal string. Only the three
// delimiters need escaping; bytes >= 0x80 are legal as-is and keeping them
// raw lets text extractors read the stream without an extra decoding step.
func escapeString(sb *strings.Builder, b []byte) {
	for _, c := range b {
		if c == '(' || c == ')' || c == '\\' {
			sb.WriteByte('\\')
		}
		sb.WriteByte(c)
	}
}

// utf16Hex renders s as a UTF-16BE hex string with byte-order mark. The
// document Info dictionary holds "text strings", which are PDFDocEncoding or
// UTF-16BE; PDFDocEncoding disagrees with WinAnsi in 0x80–0x9F (€, –, •), so
// UTF-16 is the one choice that keeps any title intact.
func utf16Hex(s string) string {
	const hex = "0123456789ABCDEF"
	var sb strings.Builder
	sb.WriteString("<FEFF")
	put := func(u uint16) {
		sb.WriteByte(hex[u>>12])
		sb.WriteByte(hex[u>>8&0xF])
		sb.WriteByte(hex[u>>4&0xF])
		sb.WriteByte(hex[u&0xF])
	}
	for _, r := range s {
		if r == utf8.RuneError {
			r = '?'
		}
		if r >= 0x10000 {
			r -= 0x10000
			put(uint16(0xD800 + r>>10))
			put(uint16(0xDC00 + r&0x3FF))
			continue
		}
		put(uint16(r))
	}
	sb.WriteByte('>')
	return sb.String()
}

// textWidth returns the advance width of WinAnsi-encoded b at size points.
func textWidth(b []byte, size float64, bold bool) float64 {
	table := &helveticaWidths
	if bold {
		table = &helveticaBoldWidths
	}
	units := 0
	for _, c := range b {
		if c < 0x20 {
			c = ' '
		}
		units += int(table[c-0x20])
	}
	return float64(units) * size / 1000
}

// Glyph advance widths in 1/1000 em for codes 0x20–0xFF of Helvetica and
// Helvetica-Bold under WinAnsiEncoding, from Adobe's core-font AFM metrics.
// Undefined codes (0x7F, 0x81, 0x8D, 0x8F, 0x90, 0x9D) carry the bullet
// width, as viewers render them with a fallback glyph. The same numbers go
// into each font's /Widths array so that layout-aware extractors agree with
// our wrapping.
var (
	helveticaWidths = [224]uint16{
		278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // 0x20
		556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, // 0x30
		1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, // 0x40
		667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, // 0x50
		333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, // 0x60
		556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, 350, // 0x70
		556, 350, 222, 556, 333, 1000, 556, 556, 333, 1000, 667, 333, 1000, 350, 611, 350, // 0x80
		350, 222, 222, 333, 333, 350, 556, 1000, 333, 1000, 500, 333, 944, 350, 500, 667, // 0x90
		278, 333, 556, 556, 556, 556, 260, 556, 333, 737, 370, 556, 584, 333, 737, 333, // 0xA0
		400, 584, 333, 333, 333, 556, 537, 278, 333, 333, 365, 556, 834, 834, 834, 611, // 0xB0
		667, 667, 667, 667, 667, 667, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278, // 0xC0
		722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611, // 0xD0
		556, 556, 556, 556, 556, 556, 889, 500, 556, 556, 556, 556, 278, 278, 278, 278, // 0xE0
		556, 556, 556, 556, 556, 556, 556, 584, 611, 556, 556, 556, 556, 500, 556, 500, // 0xF0
	}
	helveticaBoldWidths = [224]uint16{
		278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, // 0x20
		556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611, // 0x30
		975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778, // 0x40
		667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556, // 0x50
		333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611, // 0x60
		611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584, 350, // 0x70
		556, 350, 278, 556, 500, 1000, 556, 556, 333, 1000, 667, 333, 1000, 350, 611, 350, // 0x80
		350, 278, 278, 500, 500, 350, 556, 1000, 333, 1000, 556, 333, 944, 350, 500, 667, // 0x90
		278, 333, 556, 556, 556, 556, 280, 556, 333, 737, 370, 556, 584, 333, 737, 333, // 0xA0
		400, 584, 333, 333, 333, 611, 556, 278, 333, 333, 365, 556, 834, 834, 834, 611, // 0xB0
		722, 722, 722, 722, 722, 722, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278, // 0xC0
		722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611, // 0xD0
		556, 556, 556, 556, 556, 556, 889, 556, 556, 556, 556, 556, 278, 278, 278, 278, // 0xE0
		611, 611, 611, 611, 611, 611, 611, 584, 611, 611, 611, 611, 611, 556, 611, 556, // 0xF0
	}
)
