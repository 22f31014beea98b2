package pdftext

import "strings"

// Glyph widths of the standard PDF fonts, which producers may use without
// embedding them or writing their /Widths (iText does, for the Montpellier
// deliberations). Without them every string would be measured with an
// average width, and the next string drawn "after" it would land in the
// wrong place, interleaving the letters of neighbouring words.
//
// The numbers are Adobe's Core 14 AFM metrics (1/1000 em), read from the
// font description files of groff's devps device, for the codes 0x20–0xFF
// of WinAnsiEncoding; codes the encoding leaves undefined carry the bullet
// width. Oblique and italic Helvetica share the upright widths.

// pdfStdWidths returns the width table of a standard font by its base
// name, nil when the font is not one we have metrics for. Arial and Times
// New Roman are metric-compatible with Helvetica and Times.
func pdfStdWidths(base string) *[224]uint16 {
	bold := strings.Contains(base, "Bold")
	italic := strings.Contains(base, "Italic") || strings.Contains(base, "Oblique")
	switch {
	case strings.Contains(base, "Helvetica") || strings.Contains(base, "Arial"):
		if bold {
			return &pdfStdHelveticaBold
		}
		return &pdfStdHelvetica
	case strings.Contains(base, "Times"):
		switch {
		case bold && italic:
			return &pdfStdTimesBoldItalic
		case bold:
			return &pdfStdTimesBold
		case italic:
			return &pdfStdTimesItalic
		}
		return &pdfStdTimesRoman
	}
	return nil
}

// pdfWinAnsiNames are the glyph names of WinAnsiEncoding from 0x20 on;
// /Differences name glyphs, and this finds their width in the tables.
var pdfWinAnsiNames = func() map[string]int {
	m := map[string]int{}
	for i, n := range strings.Fields(pdfWinAnsiGlyphs) {
		if _, ok := m[n]; !ok {
			m[n] = i
		}
	}
	return m
}()

const pdfWinAnsiGlyphs = `space exclam quotedbl numbersign dollar percent ampersand quotesingle parenleft parenright asterisk plus 
comma hyphen period slash zero one two three four five six seven eight nine colon semicolon less equal 
greater question at A B C D E F G H I J K L M N O P Q R S T U V W X Y Z bracketleft backslash bracketright 
asciicircum underscore grave a b c d e f g h i j k l m n o p q r s t u v w x y z braceleft bar braceright 
asciitilde bullet Euro bullet quotesinglbase florin quotedblbase ellipsis dagger daggerdbl circumflex 
perthousand Scaron guilsinglleft OE bullet Zcaron bullet bullet quoteleft quoteright quotedblleft 
quotedblright bullet endash emdash tilde trademark scaron guilsinglright oe bullet zcaron Ydieresis space 
exclamdown cent sterling currency yen brokenbar section dieresis copyright ordfeminine guillemotleft 
logicalnot hyphen registered macron degree plusminus twosuperior threesuperior acute mu paragraph 
periodcentered cedilla onesuperior ordmasculine guillemotright onequarter onehalf threequarters questiondown 
Agrave Aacute Acircumflex Atilde Adieresis Aring AE Ccedilla Egrave Eacute Ecircumflex Edieresis Igrave 
Iacute Icircumflex Idieresis Eth Ntilde Ograve Oacute Ocircumflex Otilde Odieresis multiply Oslash Ugrave 
Uacute Ucircumflex Udieresis Yacute Thorn germandbls agrave aacute acircumflex atilde adieresis aring ae 
ccedilla egrave eacute ecircumflex edieresis igrave iacute icircumflex idieresis eth ntilde ograve oacute 
ocircumflex otilde odieresis divide oslash ugrave uacute ucircumflex udieresis yacute thorn ydieresis`

var (
	pdfStdHelvetica = [224]uint16{
		278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
		556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
		1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
		667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
		333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
		556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, 350,
		556, 350, 222, 556, 333, 1000, 556, 556, 333, 1000, 667, 333, 1000, 350, 611, 350,
		350, 222, 222, 333, 333, 350, 556, 1000, 333, 1000, 500, 333, 944, 350, 500, 667,
		278, 333, 556, 556, 556, 556, 260, 556, 333, 737, 370, 556, 584, 333, 737, 333,
		400, 584, 333, 333, 333, 578, 537, 278, 333, 333, 365, 556, 834, 834, 834, 611,
		667, 667, 667, 667, 667, 667, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278,
		722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611,
		556, 556, 556, 556, 556, 556, 889, 500, 556, 556, 556, 556, 278, 278, 278, 278,
		556, 556, 556, 556, 556, 556, 556, 584, 611, 556, 556, 556, 556, 500, 556, 500,
	}
	pdfStdHelveticaBold = [224]uint16{
		278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278,
		556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611,
		975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778,
		667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556,
		333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611,
		611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584, 350,
		556, 350, 278, 556, 500, 1000, 556, 556, 333, 1000, 667, 333, 1000, 350, 611, 350,
		350, 278, 278, 500, 500, 350, 556, 1000, 333, 1000, 556, 333, 944, 350, 500, 667,
		278, 333, 556, 556, 556, 556, 280, 556, 333, 737, 370, 556, 584, 333, 737, 333,
		400, 584, 333, 333, 333, 611, 556, 278, 333, 333, 365, 556, 834, 834, 834, 611,
		722, 722, 722, 722, 722, 722, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278,
		722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611,
		556, 556, 556, 556, 556, 556, 889, 556, 556, 556, 556, 556, 278, 278, 278, 278,
		611, 611, 611, 611, 611, 611, 611, 584, 611, 611, 611, 611, 611, 556, 611, 556,
	}
	pdfStdTimesRoman = [224]uint16{
		250, 333, 408, 500, 500, 833, 778, 180, 333, 333, 500, 564, 250, 333, 250, 278,
		500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 278, 278, 564, 564, 564, 444,
		921, 722, 667, 667, 722, 611, 556, 722, 722, 333, 389, 722, 611, 889, 722, 722,
		556, 722, 667, 556, 611, 722, 722, 944, 722, 722, 611, 333, 278, 333, 469, 500,
		333, 444, 500, 444, 500, 444, 333, 500, 500, 278, 278, 500, 278, 778, 500, 500,
		500, 500, 333, 389, 278, 500, 500, 722, 500, 500, 444, 480, 200, 480, 541, 350,
		500, 350, 333, 500, 444, 1000, 500, 500, 333, 1000, 556, 333, 889, 350, 611, 350,
		350, 333, 333, 444, 444, 350, 500, 1000, 333, 980, 389, 333, 722, 350, 444, 722,
		250, 333, 500, 500, 500, 500, 200, 500, 333, 760, 276, 500, 564, 333, 760, 333,
		400, 564, 300, 300, 333, 510, 453, 250, 333, 300, 310, 500, 750, 750, 750, 444,
		722, 722, 722, 722, 722, 722, 889, 667, 611, 611, 611, 611, 333, 333, 333, 333,
		722, 722, 722, 722, 722, 722, 722, 564, 722, 722, 722, 722, 722, 722, 556, 500,
		444, 444, 444, 444, 444, 444, 667, 444, 444, 444, 444, 444, 278, 278, 278, 278,
		500, 500, 500, 500, 500, 500, 500, 564, 500, 500, 500, 500, 500, 500, 500, 500,
	}
	pdfStdTimesBold = [224]uint16{
		250, 333, 555, 500, 500, 1000, 833, 278, 333, 333, 500, 570, 250, 333, 250, 278,
		500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 333, 333, 570, 570, 570, 500,
		930, 722, 667, 722, 722, 667, 611, 778, 778, 389, 500, 778, 667, 944, 722, 778,
		611, 778, 722, 556, 667, 722, 722, 1000, 722, 722, 667, 333, 278, 333, 581, 500,
		333, 500, 556, 444, 556, 444, 333, 500, 556, 278, 333, 556, 278, 833, 556, 500,
		556, 556, 444, 389, 333, 556, 500, 722, 500, 500, 444, 394, 220, 394, 520, 350,
		500, 350, 333, 500, 500, 1000, 500, 500, 333, 1000, 556, 333, 1000, 350, 667, 350,
		350, 333, 333, 500, 500, 350, 500, 1000, 333, 1000, 389, 333, 722, 350, 444, 722,
		250, 333, 500, 500, 500, 500, 220, 500, 333, 747, 300, 500, 570, 333, 747, 333,
		400, 570, 300, 300, 333, 601, 540, 250, 333, 300, 330, 500, 750, 750, 750, 500,
		722, 722, 722, 722, 722, 722, 1000, 722, 667, 667, 667, 667, 389, 389, 389, 389,
		722, 722, 778, 778, 778, 778, 778, 570, 778, 722, 722, 722, 722, 722, 611, 556,
		500, 500, 500, 500, 500, 500, 722, 444, 444, 444, 444, 444, 278, 278, 278, 278,
		500, 556, 500, 500, 500, 500, 500, 570, 500, 556, 556, 556, 556, 500, 556, 500,
	}
	pdfStdTimesItalic = [224]uint16{
		250, 333, 420, 500, 500, 833, 778, 214, 333, 333, 500, 675, 250, 333, 250, 278,
		500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 333, 333, 675, 675, 675, 500,
		920, 611, 611, 667, 722, 611, 611, 722, 722, 333, 444, 667, 556, 833, 667, 722,
		611, 722, 611, 500, 556, 722, 611, 833, 611, 556, 556, 389, 278, 389, 422, 500,
		333, 500, 500, 444, 500, 444, 278, 500, 500, 278, 278, 444, 278, 722, 500, 500,
		500, 500, 389, 389, 278, 500, 444, 667, 444, 444, 389, 400, 275, 400, 541, 350,
		500, 350, 333, 500, 556, 889, 500, 500, 333, 1000, 500, 333, 944, 350, 556, 350,
		350, 333, 333, 556, 556, 350, 500, 889, 333, 980, 389, 333, 667, 350, 389, 556,
		250, 389, 500, 500, 500, 500, 275, 500, 333, 760, 276, 500, 675, 333, 760, 333,
		400, 675, 300, 300, 333, 514, 523, 250, 333, 300, 310, 500, 750, 750, 750, 500,
		611, 611, 611, 611, 611, 611, 889, 667, 611, 611, 611, 611, 333, 333, 333, 333,
		722, 667, 722, 722, 722, 722, 722, 675, 722, 722, 722, 722, 722, 556, 611, 500,
		500, 500, 500, 500, 500, 500, 667, 444, 444, 444, 444, 444, 278, 278, 278, 278,
		500, 500, 500, 500, 500, 500, 500, 675, 500, 500, 500, 500, 500, 444, 500, 444,
	}
	pdfStdTimesBoldItalic = [224]uint16{
		250, 389, 555, 500, 500, 833, 778, 278, 333, 333, 500, 570, 250, 333, 250, 278,
		500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 333, 333, 570, 570, 570, 500,
		832, 667, 667, 667, 722, 667, 667, 722, 778, 389, 500, 667, 611, 889, 722, 722,
		611, 722, 667, 556, 611, 722, 667, 889, 667, 611, 611, 333, 278, 333, 570, 500,
		333, 500, 500, 444, 500, 444, 333, 500, 556, 278, 278, 500, 278, 778, 556, 500,
		500, 500, 389, 389, 278, 556, 444, 667, 500, 444, 389, 348, 220, 348, 570, 350,
		500, 350, 333, 500, 500, 1000, 500, 500, 333, 1000, 556, 333, 944, 350, 611, 350,
		350, 333, 333, 500, 500, 350, 500, 1000, 333, 1000, 389, 333, 722, 350, 389, 611,
		250, 389, 500, 500, 500, 500, 220, 500, 333, 747, 266, 500, 606, 333, 747, 333,
		400, 570, 300, 300, 333, 532, 500, 250, 333, 300, 300, 500, 750, 750, 750, 500,
		667, 667, 667, 667, 667, 667, 944, 667, 667, 667, 667, 667, 389, 389, 389, 389,
		722, 722, 722, 722, 722, 722, 722, 570, 722, 722, 722, 722, 722, 611, 611, 500,
		500, 500, 500, 500, 500, 500, 722, 444, 444, 444, 444, 444, 278, 278, 278, 278,
		500, 556, 500, 500, 500, 500, 500, 570, 500, 556, 556, 556, 556, 444, 500, 444,
	}
)

// pdfSymbolText decodes the built-in encodings of the Symbol and
// ZapfDingbats fonts, as far as administrative documents use them: Greek
// letters and math signs, list bullets, check marks and boxes. Other codes
// become a bullet, which is what they nearly always are.
func pdfSymbolText(base string, c int) string {
	switch {
	case c <= ' ':
		return pdfRuneText(rune(c))
	case strings.Contains(base, "Dingbats"):
		if r, ok := pdfDingbats[c]; ok {
			return string(r)
		}
		if c < 0x7F {
			return string(rune(0x2700 + c - 0x20)) // Unicode's Dingbats block follows the font's order
		}
	case c >= 'A' && c <= 'Z':
		return string([]rune("ΑΒΧΔΕΦΓΗΙϑΚΛΜΝΟΠΘΡΣΤΥςΩΞΨΖ")[c-'A'])
	case c >= 'a' && c <= 'z':
		return string([]rune("αβχδεφγηιϕκλμνοπθρστυϖωξψζ")[c-'a'])
	case c < 0x7F:
		return string(rune(c))
	default:
		if r, ok := pdfSymbolHigh[c]; ok {
			return string(r)
		}
	}
	return "•"
}

var (
	pdfDingbats = map[int]rune{
		0x25: '☎', 0x2A: '☛', 0x2B: '☞', 0x48: '★', 0x6C: '●', 0x6E: '■', 0x73: '▲', 0x74: '▼', 0x75: '◆', 0x77: '◗',
	}
	pdfSymbolHigh = map[int]rune{
		0xA3: '≤', 0xA5: '∞', 0xAC: '←', 0xAD: '↑', 0xAE: '→', 0xAF: '↓', 0xB0: '°', 0xB1: '±', 0xB3: '≥',
		0xB4: '×', 0xB7: '•', 0xB8: '÷', 0xB9: '≠', 0xBB: '≈', 0xD2: '®', 0xD3: '©', 0xD4: '™', 0xD7: '⋅',
		0xE0: '◊', 0xE5: '∑',
	}
)
