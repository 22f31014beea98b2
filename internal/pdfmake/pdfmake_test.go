package pdfmake

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/ledongthuc/pdf"
)

// TestWriteReadBack builds documents, reads them back with an independent
// PDF parser (and pdftotext when installed) and checks that each expected
// phrase is on the expected page, accents and all.
func TestWriteReadBack(t *testing.T) {
	t.Parallel()

	tests := []struct {
		name  string
		build func(d *Document)
		pages int
		// want maps a 1-based page number to phrases that must be on it.
		want map[int][]string
		// absent maps a page number to phrases that must not be on it.
		absent map[int][]string
	}{
		{
			name: "german umlauts",
			build: func(d *Document) {
				d.Heading("Satzung über Gebühren für Straßenreinigung")
				d.Paragraph("Die Gebühr beträgt 42,50 € je Jahr. Anträge nimmt das Bürgerbüro entgegen – Zimmer 1.07.")
				d.Bullet("Größere Grundstücke zahlen mehr.")
			},
			pages: 1,
			want: map[int][]string{1: {
				"Satzung über Gebühren für Straßenreinigung",
				"42,50 €", "Bürgerbüro", "– Zimmer 1.07", "• Größere Grundstücke",
			}},
		},
		{
			name: "french accents",
			build: func(d *Document) {
				d.Heading("État civil : horaires d'ouverture")
				d.Paragraph("Les demandes de passeport se font sur « rendez-vous » à la mairie. Ça coûte 86 € ; pièce d'identité exigée, reçu délivré.")
			},
			pages: 1,
			want: map[int][]string{1: {
				"État civil", "« rendez-vous »", "à la mairie", "Ça coûte 86 €", "pièce d'identité", "reçu délivré",
			}},
		},
		{
			name: "automatic page breaks with footer",
			build: func(d *Document) {
				d.Footer = "Stadt Musterstadt – Amtsblatt"
				d.PageLabel = "Seite"
				d.Heading("Lange Bekanntmachung")
				for i := 1; i <= 120; i++ {
					d.Paragraph(fmt.Sprintf("Absatz %03d: Die Ausschüsse tagen öffentlich im Rathaussaal.", i))
				}
			},
			pages: 4,
			want: map[int][]string{
				1: {"Lange Bekanntmachung", "Absatz 001", "Stadt Musterstadt – Amtsblatt", "Seite 1"},
				2: {"Stadt Musterstadt – Amtsblatt", "Seite 2"},
				3: {"Stadt Musterstadt – Amtsblatt", "Seite 3"},
				4: {"Absatz 120", "Stadt Musterstadt – Amtsblatt", "Seite 4"},
			},
			absent: map[int][]string{1: {"Absatz 120", "Seite 2"}, 4: {"Absatz 001"}},
		},
		{
			name: "explicit page breaks do not make empty pages",
			build: func(d *Document) {
				d.Header = "Amtsblatt Nr. 7"
				d.Paragraph("Erste Seite.")
				d.PageBreak()
				d.PageBreak()
				d.Paragraph("Zweite Seite.")
			},
			pages: 2,
			want: map[int][]string{
				1: {"Amtsblatt Nr. 7", "Erste Seite."},
				2: {"Amtsblatt Nr. 7", "Zweite Seite."},
			},
			absent: map[int][]string{1: {"Zweite"}, 2: {"Erste"}},
		},
		{
			name: "empty paragraphs add nothing",
			build: func(d *Document) {
				d.Paragraph("")
				d.Paragraph("  \n\t ")
				d.Bullet("")
			},
			pages:  1,
			absent: map[int][]string{1: {"•"}},
		},
		{
			name: "pdf string delimiters are escaped",
			build: func(d *Document) {
				d.Paragraph(`Klammern (Anlage 2) und ein Backslash C:\Daten\ sowie )( verkehrt.`)
			},
			pages: 1,
			want:  map[int][]string{1: {`Klammern (Anlage 2) und ein Backslash C:\Daten\ sowie )( verkehrt.`}},
		},
		{
			name: "characters outside WinAnsi become question marks",
			build: func(d *Document) {
				d.Paragraph("Partnerstadt Łódź 日本 – Œuvre")
			},
			pages: 1,
			want:  map[int][]string{1: {"Partnerstadt ?ód? ?? – Œuvre"}},
		},
		{
			name: "overlong word is cut, not lost",
			build: func(d *Document) {
				d.Paragraph(strings.Repeat("Donaudampfschifffahrt", 8))
			},
			pages: 1,
			want:  map[int][]string{1: {"Donaudampfschifffahrt"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			d := New("Test: " + tt.name)
			tt.build(d)
			if got := d.NumPages(); got != tt.pages {
				t.Errorf("NumPages() = %d, want %d", got, tt.pages)
			}
			raw := mustWrite(t, d)

			texts := readPages(t, raw)
			if len(texts) != tt.pages {
				t.Fatalf("reader sees %d pages, want %d", len(texts), tt.pages)
			}
			checkPages(t, "ledongthuc/pdf", texts, tt.want, tt.absent)

			if _, err := exec.LookPath("pdftotext"); err != nil {
				t.Log("pdftotext not on PATH; skipping the poppler cross-check")
				return
			}
			checkPages(t, "pdftotext", pdftotextPages(t, raw, tt.pages), tt.want, tt.absent)
		})
	}
}

// TestTitle checks that the Info title round-trips, including characters
// whose PDFDocEncoding and WinAnsi codes differ (€, –).
func TestTitle(t *testing.T) {
	t.Parallel()

	const title = "Gebührenordnung « 2025 » – 12 € (Entwurf)"
	raw := mustWrite(t, New(title))
	r, err := pdf.NewReader(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		t.Fatalf("open generated PDF: %v", err)
	}
	if got := r.Trailer().Key("Info").Key("Title").Text(); got != title {
		t.Errorf("Title = %q, want %q", got, title)
	}
}

// TestXref checks every cross-reference offset against the object it names,
// since a viewer that trusts a wrong table shows a damaged file.
func TestXref(t *testing.T) {
	t.Parallel()

	d := New("Xref")
	d.Footer = "Fußzeile"
	d.PageLabel = "Page"
	for i := range 100 {
		d.Paragraph(fmt.Sprintf("Line %d with (parens) and ümlauts.", i))
	}
	raw := mustWrite(t, d)

	m := regexp.MustCompile(`startxref\n(\d+)\n%%EOF\n$`).FindSubmatch(raw)
	if m == nil {
		t.Fatal("no startxref trailer at end of file")
	}
	xref, _ := strconv.Atoi(string(m[1]))
	if !bytes.HasPrefix(raw[xref:], []byte("xref\n0 ")) {
		t.Fatalf("startxref %d does not point at the xref table", xref)
	}
	var count int
	fmt.Sscanf(string(raw[xref+len("xref\n0 "):]), "%d", &count)
	entries := raw[bytes.IndexByte(raw[xref+5:], '\n')+xref+6:]
	for obj := 1; obj < count; obj++ {
		entry := string(entries[obj*20 : obj*20+20])
		off, err := strconv.Atoi(entry[:10])
		if err != nil || !strings.HasSuffix(entry, " 00000 n \n") {
			t.Fatalf("object %d: malformed xref entry %q", obj, entry)
		}
		if want := fmt.Sprintf("%d 0 obj\n", obj); !bytes.HasPrefix(raw[off:], []byte(want)) {
			t.Errorf("object %d: offset %d points at %q", obj, off, raw[off:min(off+12, len(raw))])
		}
	}
}

// TestWrapFitsWidth checks that no laid-out line overruns the right margin.
func TestWrapFitsWidth(t *testing.T) {
	t.Parallel()

	d := New("Wrap")
	text := strings.Repeat("Verwaltungsgebühren für Bewohnerparkausweise werden jährlich erhoben. ", 30)
	d.Heading(text)
	d.Paragraph(text)
	d.Bullet(text)
	d.Paragraph(strings.Repeat("W", 300))
	for pi, page := range d.pages {
		for _, l := range page {
			if right := l.x + textWidth(l.text, l.size, l.bold); right > PageWidth-MarginRight+0.01 {
				t.Errorf("page %d: line %q ends at %.1f, past the margin at %.1f", pi+1, l.text, right, PageWidth-MarginRight)
			}
			if l.y < MarginBottom {
				t.Errorf("page %d: line %q sits at y=%.1f, inside the bottom margin", pi+1, l.text, l.y)
			}
		}
	}
}

func TestEncodeWinAnsi(t *testing.T) {
	t.Parallel()

	tests := []struct {
		in   string
		want []byte
	}{
		{"abc", []byte("abc")},
		{"äöüß", []byte{0xE4, 0xF6, 0xFC, 0xDF}},
		{"éèàç", []byte{0xE9, 0xE8, 0xE0, 0xE7}},
		{"«€–•»", []byte{0xAB, 0x80, 0x96, 0x95, 0xBB}},
		{"a\tb\nc", []byte("a b c")},
		{"Ł日", []byte("??")},
		{"\xff", []byte("?")},
	}
	for _, tt := range tests {
		if got := encodeWinAnsi(tt.in); !bytes.Equal(got, tt.want) {
			t.Errorf("encodeWinAnsi(%q) = % X, want % X", tt.in, got, tt.want)
		}
	}
}

func mustWrite(t *testing.T, d *Document) []byte {
	t.Helper()
	var buf bytes.Buffer
	n, err := d.WriteTo(&buf)
	if err != nil {
		t.Fatalf("WriteTo: %v", err)
	}
	if n != int64(buf.Len()) {
		t.Fatalf("WriteTo reported %d bytes, wrote %d", n, buf.Len())
	}
	return buf.Bytes()
}

// readPages extracts the plain text of every page with ledongthuc/pdf.
func readPages(t *testing.T, raw []byte) []string {
	t.Helper()
	r, err := pdf.NewReader(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		t.Fatalf("open generated PDF: %v", err)
	}
	texts := make([]string, r.NumPage())
	for i := range texts {
		texts[i], err = r.Page(i + 1).GetPlainText(nil)
		if err != nil {
			t.Fatalf("page %d: extract text: %v", i+1, err)
		}
	}
	return texts
}

// pdftotextPages extracts each page with poppler's pdftotext.
func pdftotextPages(t *testing.T, raw []byte, pages int) []string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatalf("write temp PDF: %v", err)
	}
	texts := make([]string, pages)
	for i := range texts {
		n := strconv.Itoa(i + 1)
		out, err := exec.Command("pdftotext", "-enc", "UTF-8", "-f", n, "-l", n, path, "-").CombinedOutput()
		if err != nil {
			t.Fatalf("pdftotext page %s: %v\n%s", n, err, out)
		}
		texts[i] = string(out)
	}
	return texts
}

// checkPages asserts phrase placement. Whitespace is normalised first, as
// extractors differ in how they report line ends.
func checkPages(t *testing.T, tool string, texts []string, want, absent map[int][]string) {
	t.Helper()
	for page, phrases := range want {
		got := strings.Join(strings.Fields(texts[page-1]), " ")
		for _, p := range phrases {
			if !strings.Contains(got, p) {
				t.Errorf("%s: page %d lacks %q; text:\n%s", tool, page, p, got)
			}
		}
	}
	for page, phrases := range absent {
		got := strings.Join(strings.Fields(texts[page-1]), " ")
		for _, p := range phrases {
			if strings.Contains(got, p) {
				t.Errorf("%s: page %d unexpectedly has %q", tool, page, p)
			}
		}
	}
}
