package pdftext

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/civitas-eu/civitas/internal/pdfmake"
)

// pdfMakeSample writes a five-page document with a running footer, page
// numbers, a heading on every page and one word hyphenated across a line
// break.
func pdfMakeSample(tb testing.TB) []byte {
	tb.Helper()
	d := pdfmake.New("Amtsblatt der Stadt Musterstadt")
	d.Footer = "Stadt Musterstadt – Amtsblatt Nr. 7"
	d.PageLabel = "Seite"
	for i, topic := range []string{"Hundesteuer", "Straßenreinigung", "Friedhofsgebühren", "Marktordnung", "Sitzungstermine"} {
		if i > 0 {
			d.PageBreak()
		}
		d.Heading("Bekanntmachung zur " + topic)
		d.Paragraph("Der Stadtrat hat in seiner Sitzung vom " + strconv.Itoa(i+3) + ". März die folgende Regelung zur " + topic + " beschlossen. Sie gilt ab dem ersten Tag des Folgemonats für alle Bürgerinnen und Bürger.")
		if i == 2 {
			d.Paragraph("Die Anträge bearbeitet die Stadtverwal-\ntung im Bürgerbüro, per E-\nMail oder im Bau- \nund Planungsreferat.")
		}
		d.Bullet("Auskünfte zur " + topic + " erteilt das Bürgerbüro, Zimmer 1.0" + strconv.Itoa(i) + ".")
	}
	var buf bytes.Buffer
	if _, err := d.WriteTo(&buf); err != nil {
		tb.Fatalf("write sample PDF: %v", err)
	}
	return buf.Bytes()
}

func TestPDFGenerated(t *testing.T) {
	t.Parallel()
	doc, err := newPDFLoader(Options{}).Load(context.Background(), "amtsblatt.pdf", pdfMakeSample(t))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	pdfCheckDoc(t, doc)
	if doc.Pages != 5 {
		t.Errorf("Pages = %d, want 5", doc.Pages)
	}
	if doc.Title != "Amtsblatt der Stadt Musterstadt" {
		t.Errorf("Title = %q", doc.Title)
	}
	pages := pdfPageTexts(doc)
	all := strings.Join([]string{pages[1], pages[2], pages[3], pages[4], pages[5]}, "\n")
	for _, absent := range []string{"Amtsblatt Nr. 7", "Seite 3"} {
		if strings.Contains(all, absent) {
			t.Errorf("running footer %q was kept", absent)
		}
	}
	for _, want := range []string{"Stadtverwaltung im Bürgerbüro, per E-Mail oder im Bau- und Planungsreferat."} {
		if !strings.Contains(pages[3], want) {
			t.Errorf("page 3 lacks %q; it reads:\n%s", want, pages[3])
		}
	}
	headings := 0
	for _, b := range doc.Blocks {
		switch {
		case b.Kind == Heading && strings.HasPrefix(b.Text, "Bekanntmachung zur "):
			headings++
			if b.Level != 1 {
				t.Errorf("heading %q has level %d, want 1", b.Text, b.Level)
			}
		case b.Kind == ListItem && !strings.HasPrefix(b.Text, "• Auskünfte"):
			t.Errorf("unexpected list item %q", b.Text)
		}
	}
	if headings != 5 {
		t.Errorf("found %d headings, want 5: %+v", headings, doc.Blocks)
	}
}

func TestPDFJoinLines(t *testing.T) {
	t.Parallel()
	tests := []struct {
		lines []string
		want  string
	}{
		{[]string{"Die Verwal-", "tung prüft"}, "Die Verwaltung prüft"},
		{[]string{"per E-", "Mail"}, "per E-Mail"},
		{[]string{"COVID-", "19-Fälle"}, "COVID-19-Fälle"},
		{[]string{"Bau-", "und Planungsreferat"}, "Bau- und Planungsreferat"},
		{[]string{"Verwal\u00ad", "tung"}, "Verwaltung"},
		{[]string{"Frist –", "nicht verlängert"}, "Frist – nicht verlängert"},
		{[]string{"Betrag: 12 -", "netto"}, "Betrag: 12 - netto"},
		{[]string{"eine Zeile", "und noch eine"}, "eine Zeile und noch eine"},
	}
	for _, tt := range tests {
		if got := pdfJoinLines(tt.lines); got != tt.want {
			t.Errorf("pdfJoinLines(%q) = %q, want %q", tt.lines, got, tt.want)
		}
	}
}

func TestPDFNumberedLevel(t *testing.T) {
	t.Parallel()
	tests := []struct {
		line string
		want int
	}{
		{"§ 3 Steuerpflicht", 2},
		{"TOP 4 Bürgerversammlung", 2},
		{"1. Anlass", 1},
		{"2.1 Abteilung Recht und Verwaltung (RV)", 2},
		{"1.2.3 Zuständigkeiten", 3},
		{"IV. Beschluss", 1},
		{"Article 5", 2},
		{"TITLE III", 1},
		{"2 Minuten Redezeit", 0},
		{"1.5 m über dem Boden", 0},
		{"1. Die Stadt beantragt hiermit, dass die Bürgerinnen und Bürger im nächsten Jahr weniger zahlen.", 0},
		{"Sehr geehrter Herr Stadtrat,", 0},
	}
	for _, tt := range tests {
		if got := pdfNumberedLevel(tt.line); got != tt.want {
			t.Errorf("pdfNumberedLevel(%q) = %d, want %d", tt.line, got, tt.want)
		}
	}
}

func TestPDFDropMargins(t *testing.T) {
	t.Parallel()
	line := func(s string) pdfLine { return pdfLine{segs: []pdfSeg{{text: s}}} }
	var pages [][]pdfLine
	for i, body := range []string{"Erster Absatz", "Zweiter Absatz", "Dritter Absatz", "Vierter Absatz"} {
		pages = append(pages, []pdfLine{
			line("Landeshauptstadt München"),
			line(body),
			line(body + ", Fortsetzung"),
			line("Gleicher Text im Inhalt"), // repeated, but not at the top or bottom
			line(body + ", Schluss"),
			line(body + ", Ende"),
			line("Seite " + string(rune('1'+i)) + " von 4"),
		})
	}
	if n := pdfDropMargins(pages, nil); n != 8 {
		t.Errorf("dropped %d lines, want 8 (a header and a footer on each of 4 pages)", n)
	}
	for i, lines := range pages {
		if len(lines) != 5 || lines[0].text() == "Landeshauptstadt München" {
			t.Errorf("page %d after dropping margins: %+v", i+1, lines)
		}
	}
	short := [][]pdfLine{{line("Kopf"), line("a")}, {line("Kopf"), line("b")}}
	if n := pdfDropMargins(short, nil); n != 0 {
		t.Errorf("dropped %d lines of a two-page document, want none", n)
	}
}
