package pdftext

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ledongthuc/pdf"
)

// pdfFont is what text extraction needs of a font: how to split a string
// into character codes, the text of each code and its advance width.
// ToUnicode maps win over the font's encoding, as in pdftotext.
type pdfFont struct {
	bold    bool
	twoByte bool    // a Type0 (CID) font: two-byte codes
	wscale  float64 // glyph width units to text space: 1/1000, or the Type3 FontMatrix
	dw      float64 // width of codes without one
	widths  map[int]float64
	simple  [256]string // text of each code of a one-byte font
	uni     *pdfCMap
	ucs2    bool // a CID font whose codes are UTF-16 (…-UCS2-H encodings)
	memo    map[int]string
}

// pdfFontCache shares parsed fonts between the pages of one document. Key
// is the font dictionary's printed form: two fonts that print the same,
// including their indirect references, are the same font.
type pdfFontCache struct {
	fonts map[string]*pdfFont
}

// pdfMaxFonts bounds the cache; beyond it fonts are parsed per use.
const pdfMaxFonts = 4096

func (c *pdfFontCache) get(v pdf.Value) *pdfFont {
	if v.Kind() != pdf.Dict {
		return pdfFallbackFont
	}
	key := v.String()
	if f, ok := c.fonts[key]; ok {
		return f
	}
	f := pdfNewFont(v)
	if len(c.fonts) < pdfMaxFonts {
		c.fonts[key] = f
	}
	return f
}

// pdfFallbackFont stands in for a missing font: bytes as Latin-1.
var pdfFallbackFont = func() *pdfFont {
	f := &pdfFont{wscale: 0.001, dw: 500}
	for c := range 256 {
		f.simple[c] = pdfRuneText(pdfWinAnsi(byte(c)))
	}
	return f
}()

func pdfNewFont(v pdf.Value) *pdfFont {
	f := &pdfFont{wscale: 0.001, dw: 500, widths: map[int]float64{}, memo: map[int]string{}}
	base := v.Key("BaseFont").Name()
	desc := v.Key("FontDescriptor")
	subtype := v.Key("Subtype").Name()
	if subtype == "Type0" {
		f.twoByte = true
		desc = v.Key("DescendantFonts").Index(0).Key("FontDescriptor")
		f.cidWidths(v.Key("DescendantFonts").Index(0))
		enc := v.Key("Encoding").Name()
		f.ucs2 = strings.Contains(enc, "UCS2") || strings.Contains(enc, "UTF16")
	} else {
		f.simpleWidths(v, base, desc)
	}
	lower := strings.ToLower(base)
	f.bold = strings.Contains(lower, "bold") || strings.Contains(lower, "black") || strings.Contains(lower, "heavy") ||
		desc.Key("FontWeight").Float64() >= 600 || desc.Key("Flags").Int64()&(1<<18) != 0
	if subtype == "Type3" {
		if m := v.Key("FontMatrix"); m.Len() == 6 && m.Index(0).Float64() != 0 {
			f.wscale = m.Index(0).Float64()
		}
	}
	if tu := v.Key("ToUnicode"); tu.Kind() == pdf.Stream {
		if data, err := pdfReadStream(tu, 4<<20); err == nil || len(data) > 0 {
			f.uni = pdfParseCMap(data)
		}
	}
	if !f.twoByte {
		diffs := f.simpleEncoding(v, base)
		if v.Key("Widths").Len() == 0 {
			f.stdWidths(base, diffs)
		}
	}
	return f
}

// stdWidths fills in the widths of a standard font written without them,
// looking each code's glyph up by name.
func (f *pdfFont) stdWidths(base string, diffs map[int]string) {
	table := pdfStdWidths(base)
	if table == nil {
		return
	}
	for c := 0x20; c < 256; c++ {
		i := c - 0x20
		if name, ok := diffs[c]; ok {
			if j, ok := pdfWinAnsiNames[name]; ok {
				i = j
			}
		}
		f.widths[c] = float64(table[i])
	}
}

// simpleWidths reads /FirstChar and /Widths. Standard fonts written
// without widths get an average: only gaps between strings depend on it.
func (f *pdfFont) simpleWidths(v pdf.Value, base string, desc pdf.Value) {
	if strings.Contains(base, "Courier") {
		f.dw = 600
	}
	if mw := desc.Key("MissingWidth").Float64(); mw > 0 {
		f.dw = mw
	}
	first := int(v.Key("FirstChar").Int64())
	ws := v.Key("Widths")
	for i := range min(ws.Len(), 256) {
		f.widths[first+i] = ws.Index(i).Float64()
	}
}

// cidWidths reads /DW and /W of a descendant CID font.
func (f *pdfFont) cidWidths(d pdf.Value) {
	f.dw = 1000
	if dw := d.Key("DW"); dw.Kind() == pdf.Integer || dw.Kind() == pdf.Real {
		f.dw = dw.Float64()
	}
	w := d.Key("W")
	n := 0
	for i := 0; i < w.Len() && n < 1<<16; {
		c := int(w.Index(i).Int64())
		if next := w.Index(i + 1); next.Kind() == pdf.Array {
			for j := range min(next.Len(), 1<<16) {
				f.widths[c+j] = next.Index(j).Float64()
				n++
			}
			i += 2
			continue
		}
		last, width := int(w.Index(i+1).Int64()), w.Index(i+2).Float64()
		for c2 := c; c2 <= last && n < 1<<16; c2++ {
			f.widths[c2] = width
			n++
		}
		i += 3
	}
}

// simpleEncoding fills f.simple from the ToUnicode map, the /Differences,
// and the base encoding, in that order of preference.
func (f *pdfFont) simpleEncoding(v pdf.Value, base string) (diffs map[int]string) {
	enc := v.Key("Encoding")
	var lib pdf.TextEncoding
	if enc.Kind() == pdf.Name && enc.Name() == "MacRomanEncoding" ||
		enc.Kind() == pdf.Dict && enc.Key("Differences").Len() > 0 {
		// The library knows MacRoman and the Adobe glyph names of
		// /Differences; ask it one code at a time.
		lf := pdf.Font{V: v}
		lib = lf.Encoder()
	}
	diffs = map[int]string{}
	if enc.Kind() == pdf.Dict {
		d := enc.Key("Differences")
		code := 0
		for i := range min(d.Len(), 1024) {
			switch e := d.Index(i); e.Kind() {
			case pdf.Integer:
				code = int(e.Int64())
			case pdf.Name:
				if code >= 0 && code < 256 {
					diffs[code] = e.Name()
				}
				code++
			}
		}
	}
	symbolic := strings.Contains(base, "Symbol") || strings.Contains(base, "Dingbats")
	for c := range 256 {
		if s, ok := f.uni.lookup(uint32(c), 1); ok {
			f.simple[c] = s
			continue
		}
		name, isDiff := diffs[c]
		switch {
		case isDiff:
			f.simple[c] = pdfGlyphName(name, c, lib)
		case lib != nil && enc.Kind() == pdf.Name:
			f.simple[c] = lib.Decode(string([]byte{byte(c)}))
		case symbolic:
			f.simple[c] = pdfSymbolText(base, c)
		default:
			f.simple[c] = pdfRuneText(pdfWinAnsi(byte(c)))
		}
	}
	return diffs
}

// pdfGlyphName turns a glyph name into text: uniXXXX and uXXXX names
// directly, others through the library's Adobe glyph list.
func pdfGlyphName(name string, code int, lib pdf.TextEncoding) string {
	if strings.HasPrefix(name, "uni") && len(name) >= 7 && (len(name)-3)%4 == 0 {
		var b strings.Builder
		for i := 3; i+4 <= len(name); i += 4 {
			v, err := strconv.ParseUint(name[i:i+4], 16, 32)
			if err != nil {
				b.Reset()
				break
			}
			b.WriteRune(rune(v))
		}
		if b.Len() > 0 {
			return b.String()
		}
	}
	if strings.HasPrefix(name, "u") && len(name) >= 5 && len(name) <= 7 {
		if v, err := strconv.ParseUint(name[1:], 16, 32); err == nil && utf8.ValidRune(rune(v)) {
			return string(rune(v))
		}
	}
	if lib != nil {
		return lib.Decode(string([]byte{byte(code)}))
	}
	return pdfRuneText(pdfWinAnsi(byte(code)))
}

// text returns the text of one character code.
func (f *pdfFont) text(code int, n int) string {
	if !f.twoByte && n == 1 {
		return f.simple[code&0xFF]
	}
	if s, ok := f.memo[code]; ok {
		return s
	}
	s, ok := f.uni.lookup(uint32(code), n)
	if !ok && f.ucs2 && code < 0xD800 {
		s = string(rune(code))
	}
	if len(f.memo) < 1<<16 {
		f.memo[code] = s
	}
	return s
}

// nextCode splits the first character code off raw.
func (f *pdfFont) nextCode(raw []byte) (code, n int) {
	if f.uni != nil && len(f.uni.spaces) > 0 && f.twoByte {
		if n := f.uni.codeLen(raw); n > 0 {
			c := 0
			for _, b := range raw[:n] {
				c = c<<8 | int(b)
			}
			return c, n
		}
	}
	if f.twoByte && len(raw) >= 2 {
		return int(raw[0])<<8 | int(raw[1]), 2
	}
	return int(raw[0]), 1
}

// width is the advance of code in glyph units.
func (f *pdfFont) width(code int) float64 {
	if w, ok := f.widths[code]; ok && w > 0 {
		return w
	}
	return f.dw
}

// pdfWinAnsi maps a byte through WinAnsiEncoding, the default encoding of
// nearly every simple font in office documents.
func pdfWinAnsi(c byte) rune {
	if c >= 0x80 && c <= 0x9F {
		return pdfWinAnsiHigh[c-0x80]
	}
	return rune(c)
}

var pdfWinAnsiHigh = [32]rune{
	'€', 0, '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', 0, 'Ž', 0,
	0, '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', 0, 'ž', 'Ÿ',
}

// pdfRuneText is the text of r, or "" for control characters and holes in
// the encoding.
func pdfRuneText(r rune) string {
	if r == 0 || r < ' ' || r == 0x7F {
		return ""
	}
	return string(r)
}

// pdfReadStream returns a stream's decoded data, at most limit bytes. A
// stream that fails part way (a truncated zlib stream is common) returns
// what was decoded with the error; the library's panics become errors.
func pdfReadStream(v pdf.Value, limit int64) (data []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = pdfPanicError(r)
		}
	}()
	// The library allocates predictor rows of /Columns bytes up front; a
	// forged value would exhaust memory before any data is read.
	parms := v.Key("DecodeParms")
	for i := -1; i < min(parms.Len(), 8); i++ {
		p := parms // a dictionary, or an array of them (one per filter)
		if i >= 0 {
			p = parms.Index(i)
		}
		if c := p.Key("Columns").Int64(); c < 0 || c > 1<<16 {
			return nil, fmt.Errorf("stream predictor with %d columns", c)
		}
	}
	rc := v.Reader()
	defer rc.Close()
	return io.ReadAll(io.LimitReader(rc, limit))
}
