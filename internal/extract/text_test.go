package extract

import (
	"context"
	"testing"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	xunicode "golang.org/x/text/encoding/unicode"
)

// encodeAs returns s in enc, for fixtures in legacy encodings.
func encodeAs(t *testing.T, enc encoding.Encoding, s string) []byte {
	t.Helper()
	b, err := enc.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatalf("encode %q: %v", s, err)
	}
	return b
}

func TestDecodeText(t *testing.T) {
	t.Parallel()
	const sample = "Straße, été, 25 €"
	tests := []struct {
		name, wantEnc string
		data          []byte
	}{
		{"UTF-8", "utf-8", []byte(sample)},
		{"UTF-8 with BOM", "utf-8", append(append([]byte{}, bomUTF8...), sample...)},
		{"UTF-16LE with BOM", "utf-16le", encodeAs(t, xunicode.UTF16(xunicode.LittleEndian, xunicode.UseBOM), sample)},
		{"UTF-16BE with BOM", "utf-16be", encodeAs(t, xunicode.UTF16(xunicode.BigEndian, xunicode.UseBOM), sample)},
		{"UTF-16LE without BOM", "utf-16le", encodeAs(t, xunicode.UTF16(xunicode.LittleEndian, xunicode.IgnoreBOM), sample)},
		{"Windows-1252", "windows-1252", encodeAs(t, charmap.Windows1252, sample)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, enc := decodeText(tt.data)
			if got != sample || enc != tt.wantEnc {
				t.Errorf("decodeText = %q, %s; want %q, %s", got, enc, sample, tt.wantEnc)
			}
		})
	}
	// ISO-8859-1 has no €; its letters are Windows-1252's.
	if got, _ := decodeText(encodeAs(t, charmap.ISO8859_1, "Straße été")); got != "Straße été" {
		t.Errorf("Latin-1: %q", got)
	}
	// A UTF-8 file with one stray byte keeps its accents.
	if got, enc := decodeText([]byte("été à Noël \xff fin")); got != "été à Noël \uFFFD fin" || enc != "utf-8" {
		t.Errorf("mostly UTF-8: %q, %s", got, enc)
	}
}

func TestTextLoader(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{
			name: "Latin-1 with headings",
			data: encodeAs(t, charmap.ISO8859_1, "RÈGLEMENT DU MARCHÉ\r\n\r\nArticle premier\r\n===============\r\nLe marché a lieu l'été,\r\nrue de la Straße.\r\n\r\nTarifs\r\n------\r\n2,50 par mètre.\r\n"),
			want: "heading[2]: RÈGLEMENT DU MARCHÉ\nheading[1]: Article premier\nparagraph: Le marché a lieu l'été,\nrue de la Straße.\nheading[2]: Tarifs\nparagraph: 2,50 par mètre.\n",
		},
		{
			name: "UTF-16 with BOM",
			data: encodeAs(t, xunicode.UTF16(xunicode.LittleEndian, xunicode.UseBOM), "Erste Zeile\nzweite Zeile\n\nNeuer Absatz"),
			want: "paragraph: Erste Zeile\nzweite Zeile\nparagraph: Neuer Absatz\n",
		},
		{
			name: "caps lines that are data, not headings",
			data: []byte("* DATE : 2013-02-05\n2013-02-05 12:00\nOK.\nAB\n"),
			want: "paragraph: * DATE : 2013-02-05\n2013-02-05 12:00\nOK.\nAB\n",
		},
		{
			name: "a rule is not a heading",
			data: []byte("-----\nText\n\n=====\n"),
			want: "paragraph: Text\n",
		},
		{
			name: "NUL and control bytes",
			data: []byte("a\x00b\x1bc\n"),
			want: "paragraph: abc\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc, err := newTextLoader(DefaultOptions()).Load(context.Background(), "t.txt", tt.data)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if got := blockSummary(doc.Blocks); got != tt.want {
				t.Errorf("blocks:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

// TestTextThroughFile runs a Latin-1 file and a UTF-16 file through the
// public entry point, sniffing included.
func TestTextThroughFile(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"latin1.pdf", encodeAs(t, charmap.ISO8859_1, "Die Straße im été.\n"), "paragraph: Die Straße im été.\n"},
		{"utf16.txt", encodeAs(t, xunicode.UTF16(xunicode.BigEndian, xunicode.UseBOM), "Öffnungszeiten: été\n"), "paragraph: Öffnungszeiten: été\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc, err := File(context.Background(), writeFile(t, tt.name, tt.data), DefaultOptions())
			if err != nil {
				t.Fatalf("File: %v", err)
			}
			if got := blockSummary(doc.Blocks); got != tt.want || doc.MediaType != MediaText {
				t.Errorf("got %s %q, want %s", doc.MediaType, got, tt.want)
			}
		})
	}
}
