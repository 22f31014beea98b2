package extract

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSanitizeText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"plain", "Straße", "Straße"},
		{"invalid UTF-8 replaced", "caf\xe9 ok", "caf\uFFFD ok"},
		{"NUL and controls dropped", "a\x00b\x01c\x7fd\u0085e", "abc" + "d\ne"},
		{"CRLF and CR", "one\r\ntwo\rthree", "one\ntwo\nthree"},
		{"tabs kept, spaces before them dropped", "a  \tb", "a\tb"},
		{"runs of spaces collapse", "a    b \u00a0 c", "a b c"},
		{"leading and trailing whitespace go", "  \n\t a b \n\n ", "a b"},
		{"trailing spaces on lines go", "a   \nb", "a\nb"},
		{"blank lines collapse to one", "a\n\n\n\nb", "a\n\nb"},
		{"form feed is a break", "page one\fpage two", "page one\npage two"},
		{"zero-width and soft hyphen dropped", "Bürger\u00adamt\u200b \ufeffinfo", "Bürgeramt info"},
		{"NFC", "e\u0301te\u0301", "été"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := sanitizeText(tt.in); got != tt.want {
				t.Errorf("sanitizeText(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestSanitizeTextInvariants checks the promise Block.Text makes on every
// byte value, a cheap exhaustive complement to the fuzz targets.
func TestSanitizeTextInvariants(t *testing.T) {
	t.Parallel()
	var all strings.Builder
	for b := range 256 {
		all.WriteByte(byte(b))
		all.WriteString("x")
	}
	all.WriteString("\u2028\u202e\U0010FFFF")
	got := sanitizeText(all.String())
	if !utf8.ValidString(got) {
		t.Error("result is not valid UTF-8")
	}
	for _, r := range got {
		if r < 0x20 && r != '\n' && r != '\t' {
			t.Errorf("result contains control character %U", r)
		}
	}
	if again := sanitizeText(got); again != got {
		t.Errorf("sanitizeText is not idempotent:\n%q\n%q", got, again)
	}
}

func TestNormLanguage(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"fr-FR", "fr"}, {"de_DE", "de"}, {"EN", "en"}, {" it ", "it"},
		{"", ""}, {"x", ""}, {"deu", ""}, {"français", ""}, {"1a", ""},
	}
	for _, tt := range tests {
		if got := normLanguage(tt.in); got != tt.want {
			t.Errorf("normLanguage(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestAppendBlock(t *testing.T) {
	t.Parallel()
	var blocks []Block
	blocks = appendBlock(blocks, Heading, 9, " Titre ")
	blocks = appendBlock(blocks, Paragraph, 3, "\x00 \n ")
	blocks = appendBlock(blocks, ListItem, 2, "item")
	blocks = append(blocks, blocksFromLines([]string{"a", "", "  ", "b"}, Paragraph)...)
	want := []Block{
		{Kind: Heading, Level: 6, Text: "Titre"},
		{Kind: ListItem, Text: "item"},
		{Kind: Paragraph, Text: "a"},
		{Kind: Paragraph, Text: "b"},
	}
	if len(blocks) != len(want) {
		t.Fatalf("got %d blocks %+v, want %+v", len(blocks), blocks, want)
	}
	for i := range want {
		if blocks[i] != want[i] {
			t.Errorf("block %d = %+v, want %+v", i, blocks[i], want[i])
		}
	}
}

func TestJoinCells(t *testing.T) {
	t.Parallel()
	tests := []struct {
		cells []string
		want  string
	}{
		{[]string{"a", "b"}, "a | b"},
		{[]string{"", "Lundi", "", "Mardi", "", ""}, " | Lundi |  | Mardi"},
		{[]string{"", " "}, ""},
		{nil, ""},
	}
	for _, tt := range tests {
		if got := joinCells(tt.cells); got != tt.want {
			t.Errorf("joinCells(%q) = %q, want %q", tt.cells, got, tt.want)
		}
	}
}
