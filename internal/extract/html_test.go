package extract

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"
)

func loadHTML(t *testing.T, data []byte) *Document {
	t.Helper()
	doc, err := newHTMLLoader(DefaultOptions()).Load(context.Background(), "t.html", data)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return doc
}

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestHTMLPage reads a municipal page with the usual furniture around its
// content: banner, navigation, cookie notice, form, aside, footer.
func TestHTMLPage(t *testing.T) {
	t.Parallel()
	doc := loadHTML(t, readTestdata(t, "page.html"))
	want := `heading[1]: Bürgerbüro
paragraph: Stand: 1. März 2025
paragraph: Das Bürgerbüro ist die erste Anlaufstelle für Meldeangelegenheiten, Ausweise und Pässe.
heading[2]: Öffnungszeiten
table row: Tag | Uhrzeit
table row: Montag | 8:00 – 12:00
table row: Donnerstag | 14:00 – 18:00 nach Vereinbarung
heading[3]: Mitzubringen
list item: Personalausweis
list item: Meldebescheinigung
list item: nicht älter als drei Monate
paragraph: Hinweis: Termine online buchen.
paragraph: Barrierefreier Zugang.
paragraph: Parkplätze vorhanden.
`
	if got := blockSummary(doc.Blocks); got != want {
		t.Errorf("blocks:\n%s\nwant:\n%s", got, want)
	}
	if doc.Title != "Bürgerbüro – Öffnungszeiten | Gemeinde Musterstadt" || doc.Language != "de" {
		t.Errorf("title, language = %q, %q", doc.Title, doc.Language)
	}
}

func TestHTMLLatin1(t *testing.T) {
	t.Parallel()
	doc := loadHTML(t, readTestdata(t, "latin1.html"))
	want := "heading[1]: Service de l'état civil\nparagraph: Été 2024 : la Straße n'est pas française, mais « l'été » l'est. Coût : 25 €.\n"
	if got := blockSummary(doc.Blocks); got != want {
		t.Errorf("blocks:\n%s\nwant:\n%s", got, want)
	}
	if doc.Title != "Mairie – État civil" {
		t.Errorf("title %q", doc.Title)
	}
}

func TestHTMLLoader(t *testing.T) {
	t.Parallel()
	latin2, err := charmap.ISO8859_2.NewEncoder().String("<meta charset=iso-8859-2><p>Łódź, Žilina</p>")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, in, want, title, lang string
	}{
		{
			name: "article without main",
			in:   `<html lang="fr"><body><nav>menu</nav><article><h2>Avis</h2><p>Texte</p></article><footer>pied</footer></body></html>`,
			want: "heading[2]: Avis\nparagraph: Texte\n",
			lang: "fr",
		},
		{
			name: "several articles: the body, minus furniture",
			in:   `<body><header>banner</header><article><h2>A</h2></article><article><h2>B</h2></article></body>`,
			want: "heading[2]: A\nheading[2]: B\n",
		},
		{
			name: "role=main",
			in:   `<body><div>outside</div><div role="main"><p>inside</p></div></body>`,
			want: "paragraph: inside\n",
		},
		{
			name: "bare text and inline markup",
			in:   `Hello <b>big</b><i>world</i> <a href="x">link</a>`,
			want: "paragraph: Hello bigworld link\n",
		},
		{
			name: "pre keeps its lines, hidden elements go",
			in:   "<pre>line 1\n  line 2</pre><p aria-hidden=\"true\">no</p><template><p>no</p></template><svg><text>no</text></svg>",
			want: "paragraph: line 1\nline 2\n",
		},
		{
			name: "definition lists and captions",
			in:   `<dl><dt>Frist</dt><dd>30 Tage</dd></dl><figure><img alt="x"><figcaption>Bild 1</figcaption></figure>`,
			want: "list item: Frist\nlist item: 30 Tage\nparagraph: Bild 1\n",
		},
		{
			name: "title and xml:lang",
			in: `<html xml:lang="it-IT"><head><title> Comune
			di Roma </title></head><body><h1>Avviso</h1></body></html>`,
			want:  "heading[1]: Avviso\n",
			title: "Comune di Roma",
			lang:  "it",
		},
		{
			name: "declared ISO-8859-2",
			in:   latin2,
			want: "paragraph: Łódź, Žilina\n",
		},
		{
			name: "UTF-16 with BOM",
			in:   string([]byte{0xFF, 0xFE, '<', 0, 'p', 0, '>', 0, 0xE9, 0, 't', 0, 0xE9, 0}),
			want: "paragraph: été\n",
		},
		{
			name: "NUL and control characters",
			in:   "<p>a\x00b\x01c</p>",
			want: "paragraph: abc\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc := loadHTML(t, []byte(tt.in))
			if got := blockSummary(doc.Blocks); got != tt.want {
				t.Errorf("blocks:\n%s\nwant:\n%s", got, tt.want)
			}
			if doc.Title != tt.title || doc.Language != tt.lang {
				t.Errorf("title, language = %q, %q; want %q, %q", doc.Title, doc.Language, tt.title, tt.lang)
			}
		})
	}
}

// TestHTMLDeepNesting checks that hostile nesting gives an error or text,
// never a crash or a stack overflow.
func TestHTMLDeepNesting(t *testing.T) {
	t.Parallel()
	for _, depth := range []int{300, 100_000} {
		in := strings.Repeat("<div><span>", depth) + "deep" + strings.Repeat("</span></div>", depth)
		doc, err := newHTMLLoader(DefaultOptions()).Load(context.Background(), "deep.html", []byte(in))
		switch {
		case err != nil && !errors.Is(err, ErrCorrupt):
			t.Errorf("depth %d: err = %v, want nil or ErrCorrupt", depth, err)
		case err == nil && !strings.Contains(blockSummary(doc.Blocks), "deep"):
			t.Errorf("depth %d: text lost: %s", depth, blockSummary(doc.Blocks))
		}
	}
}
