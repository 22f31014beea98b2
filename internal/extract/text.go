package extract

import (
	"bytes"
	"context"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	xunicode "golang.org/x/text/encoding/unicode"
)

// textLoader extracts plain text files.
type textLoader struct{}

func newTextLoader(Options) Loader { return textLoader{} }

func (textLoader) Load(ctx context.Context, name string, data []byte) (*Document, error) {
	text, _ := decodeText(data)
	return &Document{Blocks: textBlocks(ctx, text)}, nil
}

// decodeText returns data as UTF-8 and the encoding it was read as: UTF-8
// (a BOM is dropped), UTF-16 with a BOM or with the telltale zero bytes of
// ASCII-range UTF-16, else Windows-1252. Windows-1252 is the right guess
// for the 8-bit files European administrations produce: it is Latin-1 plus
// the typographic quotes and € that Windows puts in 0x80-0x9F, and it
// decodes every byte, so invalid UTF-8 never passes through.
func decodeText(data []byte) (string, string) {
	var enc encoding.Encoding
	name := ""
	switch {
	case bytes.HasPrefix(data, bomUTF8):
		return string(data[len(bomUTF8):]), "utf-8"
	case bytes.HasPrefix(data, bomUTF16LE):
		enc, name = xunicode.UTF16(xunicode.LittleEndian, xunicode.ExpectBOM), "utf-16le"
	case bytes.HasPrefix(data, bomUTF16BE):
		enc, name = xunicode.UTF16(xunicode.BigEndian, xunicode.ExpectBOM), "utf-16be"
	case isUTF16NoBOM(data) == "le":
		enc, name = xunicode.UTF16(xunicode.LittleEndian, xunicode.IgnoreBOM), "utf-16le"
	case isUTF16NoBOM(data) == "be":
		enc, name = xunicode.UTF16(xunicode.BigEndian, xunicode.IgnoreBOM), "utf-16be"
	case utf8.Valid(data):
		return string(data), "utf-8"
	case mostlyUTF8(data):
		// A UTF-8 file with a few stray bytes (a bad copy-paste) keeps its
		// accents; decoding it all as Windows-1252 would garble every one.
		return strings.ToValidUTF8(string(data), "\uFFFD"), "utf-8"
	default:
		enc, name = charmap.Windows1252, "windows-1252"
	}
	out, err := enc.NewDecoder().Bytes(data)
	if err != nil {
		// The decoders above replace bad input rather than fail; this is
		// only a safety net.
		return strings.ToValidUTF8(string(data), "\uFFFD"), name
	}
	return string(out), name
}

// mostlyUTF8 reports whether data, though not valid UTF-8, has clearly
// more valid multi-byte sequences than invalid bytes. 8-bit text almost
// never forms valid multi-byte sequences by chance.
func mostlyUTF8(data []byte) bool {
	multi, invalid := 0, 0
	for i := 0; i < len(data); {
		if data[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size == 1 {
			invalid++
		} else {
			multi++
		}
		i += size
	}
	return multi > 0 && multi >= 2*invalid
}

// isUTF16NoBOM recognises UTF-16 without a byte order mark by its zero
// bytes: in text mostly made of Latin letters, every other byte is zero.
// It returns "le", "be" or "".
func isUTF16NoBOM(data []byte) string {
	n := min(len(data), 4096) &^ 1
	if n < 8 {
		return ""
	}
	var evenZero, oddZero int
	for i := 0; i < n; i += 2 {
		if data[i] == 0 {
			evenZero++
		}
		if data[i+1] == 0 {
			oddZero++
		}
	}
	half := n / 2
	switch {
	case oddZero*10 >= half*7 && evenZero*20 <= half:
		return "le"
	case evenZero*10 >= half*7 && oddZero*20 <= half:
		return "be"
	}
	return ""
}

// textBlocks splits plain text into paragraphs at blank lines and picks out
// lines that look like headings: a short line underlined with ==== (level
// 1) or ---- (level 2), or a short line in capitals (level 2), as in
// "ARTICLE 3 - TARIFS".
func textBlocks(ctx context.Context, text string) []Block {
	var blocks []Block
	var para []string
	flush := func() {
		blocks = appendBlock(blocks, Paragraph, 0, strings.Join(para, "\n"))
		para = para[:0]
	}
	for i, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		if i%4096 == 0 && ctx.Err() != nil {
			break // Guard reports the timeout; stop working for nobody
		}
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "":
			flush()
		case isUnderline(trimmed) && len(para) > 0 && isShortLine(para[len(para)-1]):
			title := para[len(para)-1]
			para = para[:len(para)-1]
			flush()
			level := 2
			if trimmed[0] == '=' {
				level = 1
			}
			blocks = appendBlock(blocks, Heading, level, title)
		case isUnderline(trimmed):
			flush() // a rule between sections, not text
		case isCapsHeading(trimmed):
			flush()
			blocks = appendBlock(blocks, Heading, 2, trimmed)
		default:
			para = append(para, line)
		}
	}
	flush()
	return blocks
}

// isUnderline reports a line of at least three '=' or '-' only.
func isUnderline(s string) bool {
	if len(s) < 3 || (s[0] != '=' && s[0] != '-') {
		return false
	}
	return strings.Trim(s, s[:1]) == ""
}

// isShortLine reports a line short enough to be a title.
func isShortLine(s string) bool {
	s = strings.TrimSpace(s)
	return s != "" && utf8.RuneCountInString(s) <= 100
}

// isCapsHeading reports a short line written in capitals with at least
// three letters and no sentence punctuation at its end, e.g. "TITRE II".
// Lines that are mostly digits ("2013-02-05") or start like a list item
// ("* DATE : 2013") are data, not titles.
func isCapsHeading(s string) bool {
	first, _ := utf8.DecodeRuneInString(s)
	if utf8.RuneCountInString(s) > 80 || strings.ContainsAny(s[len(s)-1:], ".,;") || strings.ContainsRune("*-+•", first) {
		return false
	}
	letters, others := 0, 0
	for _, r := range s {
		switch {
		case unicode.IsLower(r):
			return false
		case unicode.IsUpper(r):
			letters++
		case !unicode.IsSpace(r):
			others++
		}
	}
	return letters >= 3 && letters >= 2*others
}
