package extract

import (
	"context"
	"testing"
)

func loadMarkdown(t *testing.T, data []byte) *Document {
	t.Helper()
	doc, err := newMarkdownLoader(DefaultOptions()).Load(context.Background(), "t.md", data)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return doc
}

func TestMarkdownSample(t *testing.T) {
	t.Parallel()
	doc := loadMarkdown(t, readTestdata(t, "sample.md"))
	want := `heading[1]: Benutzungsordnung
paragraph: Die Stadtbibliothek ist eine öffentliche Einrichtung der Stadt. Sie dient der Information und Bildung.
heading[1]: Öffnungszeiten
heading[2]: Ausleihe
list item: Bücher: 4 Wochen
list item: Zeitschriften: 2 Wochen
list item: E-Medien: siehe Onleihe
list item: Anmeldung
list item: Ausweis vorlegen mit Lichtbild
table row: Gebühr | Betrag
table row: Jahresausweis | 15,00 €
table row: Mahnung | Versand | 2,00 €
paragraph: curl https://example.org/api?q=1*2*3
paragraph: Zitat aus der Satzung: Alle dürfen kommen.
paragraph: Am 7. Dezember 2023 beschlossen und am 7. Dezember 2023 ausgefertigt. Ein Stern * bleibt, snake_case_name auch.
paragraph: Zeile mit Umbruch
zweite Zeile
`
	if got := blockSummary(doc.Blocks); got != want {
		t.Errorf("blocks:\n%s\nwant:\n%s", got, want)
	}
	if doc.Title != "Satzung über die Benutzung der Stadtbibliothek" || doc.Language != "de" {
		t.Errorf("title, language = %q, %q", doc.Title, doc.Language)
	}
}

func TestMarkdownLoader(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want, title string
	}{
		{"ATX levels and closing hashes", "# A\n###### F ###\n####### seven\n#nospace", "heading[1]: A\nheading[6]: F\nparagraph: ####### seven #nospace\n", ""},
		{"setext needs a paragraph; a lone --- is a rule", "intro\n\n---\n\ntext\n---\n", "paragraph: intro\nheading[2]: text\n", ""},
		{"front matter without end is text", "---\ntitle: x\n", "paragraph: title: x\n", ""},
		{"German front matter key", "---\ntitel: Satzung\n---\nBody", "paragraph: Body\n", "Satzung"},
		{"table without outer pipes", "a | b\n--|--\n1 | 2\n\nafter", "table row: a | b\ntable row: 1 | 2\nparagraph: after\n", ""},
		{"unclosed fence keeps its code", "```\ncode *x*", "paragraph: code *x*\n", ""},
		{"images, reference links, autolinks, HTML", "![Logo](l.png) [Text][1] <https://a.eu> a<br>b <span>c</span>", "paragraph: Logo Text https://a.eu a b c\n", ""},
		{"CRLF and Latin-1", "# Stra\xdfe\r\n\r\n\xe9t\xe9\r\n", "heading[1]: Straße\nparagraph: été\n", ""},
		{"bullet list interrupts a paragraph", "Voraussetzungen:\n- Ausweis\n- Foto", "paragraph: Voraussetzungen:\nlist item: Ausweis\nlist item: Foto\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc := loadMarkdown(t, []byte(tt.in))
			if got := blockSummary(doc.Blocks); got != tt.want {
				t.Errorf("blocks:\n%s\nwant:\n%s", got, tt.want)
			}
			if doc.Title != tt.title {
				t.Errorf("title = %q, want %q", doc.Title, tt.title)
			}
		})
	}
}

func TestStripInline(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"**(1)** Die Gemeinde", "(1) Die Gemeinde"},
		{"***both***", "both"},
		{"__strong__ and _em_ and ~~gone~~", "strong and em and gone"},
		{"5 * 3 = 15", "5 * 3 = 15"},
		{"file_name_here", "file_name_here"},
		{"`a*b*c`", "a*b*c"},
		{`\[not a link\](x) \_ \\`, `[not a link](x) _ \`},
		{"[a](b) and [c](d)", "a and c"},
		{"plain", "plain"},
	}
	for _, tt := range tests {
		if got := stripInline(tt.in); got != tt.want {
			t.Errorf("stripInline(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
