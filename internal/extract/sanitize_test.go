package extract

import (
	"testing"
)

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
