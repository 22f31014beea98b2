package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ledongthuc/pdf"

	"github.com/civitas-eu/civitas/internal/pdfmake"
)

// TestQuestionQuotes guards examples/questions.jsonl: every answerable
// question's quote must appear, verbatim up to white space, on its stated
// page of the PDF that genexamples renders. Editing a sample document so
// that text moves to another page fails here, not in a retrieval benchmark.
func TestQuestionQuotes(t *testing.T) {
	t.Parallel()

	f, err := os.Open("../../examples/questions.jsonl")
	if err != nil {
		t.Fatalf("open questions: %v", err)
	}
	defer f.Close()

	type question struct {
		ID         string  `json:"id"`
		Answerable bool    `json:"answerable"`
		File       *string `json:"file"`
		Pages      []int   `json:"pages"`
		Quote      *string `json:"quote"`
	}
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		var q question
		if err := json.Unmarshal(sc.Bytes(), &q); err != nil {
			t.Fatalf("line %d: %v", n+1, err)
		}
		n++
		if !q.Answerable {
			if q.File != nil || q.Quote != nil || len(q.Pages) != 0 {
				t.Errorf("%s: unanswerable question must have null file and quote, no pages", q.ID)
			}
			continue
		}
		if q.File == nil || q.Quote == nil || len(q.Pages) == 0 {
			t.Errorf("%s: answerable question needs file, pages and quote", q.ID)
			continue
		}
		src, err := os.ReadFile(filepath.Join("../../examples/docs", strings.TrimSuffix(*q.File, ".pdf")+".md"))
		if err != nil {
			t.Errorf("%s: %v", q.ID, err)
			continue
		}
		pages := render(t, convert(string(src), strings.TrimSuffix(*q.File, ".pdf")))
		quote := normalise(*q.Quote)
		for _, p := range q.Pages {
			if p < 1 || p > len(pages) {
				t.Errorf("%s: page %d out of range (document has %d)", q.ID, p, len(pages))
			} else if !strings.Contains(pages[p-1], quote) {
				t.Errorf("%s: quote %q not on page %d", q.ID, quote, p)
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read questions: %v", err)
	}
	if n == 0 {
		t.Fatal("no questions")
	}
}

// TestConvert checks the Markdown subset on small inputs.
func TestConvert(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name      string
		file      string
		md        string
		wantTitle string
		want      []string // whole normalised text of each page, in order
		absent    []string
	}{
		{
			name:      "headings bullets and inline markup",
			file:      "de_test",
			md:        "<!-- footer: Stadt Erlenbrück – Test -->\n# Größe\n\nEin **fetter** Satz\nüber zwei Zeilen mit `Code`.\n\n- Punkt eins\n* Punkt zwei\n1. Schritt\n> Zitat [Link](https://x.example)\n---\n### Klein\n",
			wantTitle: "Größe",
			want:      []string{"Größe Ein fetter Satz über zwei Zeilen mit Code. • Punkt eins • Punkt zwei 1. Schritt Zitat Link (https://x.example) Klein Stadt Erlenbrück – Test Seite 1"},
			absent:    []string{"**", "`", "---", "<!--"},
		},
		{
			name:      "table rows joined by bars, separator dropped",
			file:      "fr_test",
			md:        "# Tarifs\n\n| Jour | Heures |\n|---|:---:|\n| Lundi | 8 h 30 – 12 h 00 |\n",
			wantTitle: "Tarifs",
			want:      []string{"Tarifs Jour | Heures Lundi | 8 h 30 – 12 h 00 Tarifs Page 1"},
			absent:    []string{"---"},
		},
		{
			name:      "pagebreak directive and default footer",
			file:      "nl_test",
			md:        "# Bericht\n\nEerste.\n<!-- pagebreak -->\nTweede.\n",
			wantTitle: "Bericht",
			want:      []string{"Bericht Eerste. Bericht Pagina 1", "Tweede. Bericht Pagina 2"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			doc := convert(tt.md, tt.file)
			if doc.Title != tt.wantTitle {
				t.Errorf("Title = %q, want %q", doc.Title, tt.wantTitle)
			}
			pages := render(t, doc)
			if len(pages) != len(tt.want) {
				t.Fatalf("got %d pages %q, want %d", len(pages), pages, len(tt.want))
			}
			for i, want := range tt.want {
				if pages[i] != want {
					t.Errorf("page %d:\n got %q\nwant %q", i+1, pages[i], want)
				}
			}
			for _, a := range tt.absent {
				if strings.Contains(strings.Join(pages, " "), a) {
					t.Errorf("output contains %q", a)
				}
			}
		})
	}
}

// render writes doc to memory and returns each page's text, extracted with
// ledongthuc/pdf and whitespace-normalised.
func render(t *testing.T, doc *pdfmake.Document) []string {
	t.Helper()
	var buf bytes.Buffer
	if _, err := doc.WriteTo(&buf); err != nil {
		t.Fatalf("write PDF: %v", err)
	}
	r, err := pdf.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatalf("open PDF: %v", err)
	}
	pages := make([]string, r.NumPage())
	for i := range pages {
		text, err := r.Page(i + 1).GetPlainText(nil)
		if err != nil {
			t.Fatalf("page %d: extract text: %v", i+1, err)
		}
		pages[i] = normalise(text)
	}
	return pages
}

func normalise(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
