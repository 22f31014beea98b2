package pdftext

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/civitas-eu/civitas/internal/sharedtest"
)

// pdfDataDir returns the shared test data folder, or skips.
func pdfDataDir(tb testing.TB) string { return sharedtest.DataDir(tb) }

// pdfFindDataDir is pdfDataDir without the skip, for fuzz seeds.
func pdfFindDataDir() (string, bool) { return sharedtest.Find("data") }

// pdfCorpus lists the PDFs directly in docs/ (the scanned ones are in a
// folder of their own).
func pdfCorpus(tb testing.TB) []string {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join(pdfDataDir(tb), "docs", "*.pdf"))
	if err != nil || len(files) == 0 {
		tb.Skipf("no PDFs in the shared docs folder (%v)", err)
	}
	return files
}

// pdfLoadFile extracts a file with a generous deadline.
func pdfLoadFile(tb testing.TB, path string, opts Options) (*Document, error) {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("read %s: %v", path, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	return newPDFLoader(opts).Load(ctx, filepath.Base(path), data)
}

// pdfPageTexts joins each page's blocks, keyed by page number.
func pdfPageTexts(doc *Document) map[int]string {
	pages := map[int][]string{}
	for _, b := range doc.Blocks {
		pages[b.Page] = append(pages[b.Page], b.Text)
	}
	out := map[int]string{}
	for p, texts := range pages {
		out[p] = strings.Join(texts, "\n")
	}
	return out
}

// pdftotextPages runs pdftotext on a file and splits its output at form
// feeds; the test is skipped when pdftotext is missing.
func pdftotextPages(tb testing.TB, path string) []string {
	tb.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		tb.Skip("pdftotext (poppler-utils) not installed")
	}
	out, err := exec.Command(bin, path, "-").Output()
	if err != nil {
		tb.Fatalf("pdftotext %s: %v", path, err)
	}
	pages := strings.Split(string(out), "\f")
	return pages[:len(pages)-1] // the last form feed ends the last page
}

// pdfAlnum counts letters and digits.
func pdfAlnum(s string) int {
	n := 0
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			n++
		}
	}
	return n
}

func TestPDFCorpus(t *testing.T) {
	t.Parallel()
	for _, path := range pdfCorpus(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			t.Parallel()
			doc, err := pdfLoadFile(t, path, Options{})
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			theirs := pdftotextPages(t, path)
			if doc.Pages != len(theirs) {
				t.Errorf("Pages = %d, pdftotext has %d", doc.Pages, len(theirs))
			}
			ours := pdfPageTexts(doc)
			for i, text := range theirs {
				if pdfAlnum(text) >= 20 && pdfAlnum(ours[i+1]) == 0 {
					t.Errorf("page %d: no text, pdftotext has %d letters and digits", i+1, pdfAlnum(text))
				}
			}
			for _, b := range doc.Blocks {
				if b.Page < 1 || b.Page > doc.Pages || !utf8.ValidString(b.Text) || strings.ContainsRune(b.Text, 0) {
					t.Fatalf("bad block %+v", b)
				}
			}
		})
	}
}

func TestPDFContent(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(pdfDataDir(t), "docs")
	tests := []struct {
		file  string
		title string         // "" to skip the check
		want  map[int]string // page → phrase on it (after whitespace normalisation)
	}{
		{
			file: "de_muenchen_RGU_Anfrage_Corona_Gastronomie.pdf",
			want: map[int]string{
				1: "Corona-bedingte Restriktionen in der Gastronomie",
				2: "rund 100 Gästelisten in die infektiologischen Ermittlungen",
			},
		},
		{
			file: "de_muenchen_KR_Bebauungsplanverfahren_Personal_2021.pdf",
			want: map[int]string{
				1: "zusätzlicher Personalbedarf im Kommunalreferat",
				3: "Stellenkapazitäten seinerzeit dem Grunde nach nachvollziehbar",
				4: "16.206 WE",
			},
		},
		{
			file: "de_muenchen_BA6_Sendling_Einladung.pdf",
			want: map[int]string{1: "Bürger*innensprechstunde", 2: "Sendling"},
		},
		{
			file:  "fr_anfr_cartoradio_description.pdf",
			title: "Comprendre les données de Cartoradio",
			want:  map[int]string{1: "sonde large bande à 1,5 m du sol"},
		},
		{
			file:  "en_us_irs_form_1040_2010_prefilled.pdf",
			title: "2010 Form 1040",
			want:  map[int]string{1: "U.S. Individual Income Tax Return"},
		},
		{
			file: "en_eu_council_ai_act_final_compromise_5662-24.pdf",
			want: map[int]string{241: "shall enter into force on the twentieth day"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			doc, err := pdfLoadFile(t, filepath.Join(dir, tt.file), Options{})
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if tt.title != "" && doc.Title != tt.title {
				t.Errorf("Title = %q, want %q", doc.Title, tt.title)
			}
			pages := pdfPageTexts(doc)
			for page, phrase := range tt.want {
				if !strings.Contains(pdfNormQuote(pages[page]), pdfNormQuote(phrase)) {
					t.Errorf("page %d lacks %q; it reads:\n%s", page, phrase, pages[page])
				}
			}
		})
	}
}

// pdfNormQuote normalises text for quote matching as the QA README asks:
// white space collapsed, typographic apostrophes, hyphens and quotation
// marks made plain.
func pdfNormQuote(s string) string {
	s = strings.NewReplacer(
		"’", "'", "‘", "'", "ʼ", "'", "‐", "-", "‑", "-", "–", "-", "—", "-",
		"«", "\"", "»", "\"", "„", "\"", "“", "\"", "”", "\"", "\u00A0", " ", "\u202F", " ",
	).Replace(s)
	return strings.Join(strings.Fields(s), " ")
}

// pdfQARow is one line of qa/qa.jsonl.
type pdfQARow struct {
	ID    string `json:"id"`
	File  string `json:"file"`
	Pages []int  `json:"pages"`
	Quote string `json:"quote"`
}

func TestPDFQAQuotes(t *testing.T) {
	t.Parallel()
	dir := pdfDataDir(t)
	f, err := os.Open(filepath.Join(dir, "qa", "qa.jsonl"))
	if err != nil {
		t.Skipf("no QA set: %v", err)
	}
	defer f.Close()
	var rows []pdfQARow
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var row pdfQARow
		if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
			t.Fatalf("qa.jsonl: %v", err)
		}
		if strings.HasSuffix(row.File, ".pdf") && len(row.Pages) > 0 && row.Quote != "" {
			rows = append(rows, row)
		}
	}
	if len(rows) == 0 {
		t.Skip("no PDF rows in the QA set")
	}
	docs := map[string]map[int]string{}
	hits := 0
	for _, row := range rows {
		pages, ok := docs[row.File]
		if !ok {
			doc, err := pdfLoadFile(t, filepath.Join(dir, "docs", row.File), Options{})
			if err != nil {
				t.Fatalf("Load %s: %v", row.File, err)
			}
			pages = pdfPageTexts(doc)
			docs[row.File] = pages
		}
		found := false
		for _, p := range row.Pages {
			found = found || strings.Contains(pdfNormQuote(pages[p]), pdfNormQuote(row.Quote))
		}
		if found {
			hits++
		} else {
			t.Logf("miss %s: %q not on page %v of %s; page %d reads:\n%s", row.ID, row.Quote, row.Pages, row.File, row.Pages[0], pages[row.Pages[0]])
		}
	}
	share := float64(hits) / float64(len(rows))
	t.Logf("QA quotes found on their page: %d of %d (%.0f %%)", hits, len(rows), 100*share)
	if share < 0.9 {
		t.Errorf("only %.0f %% of QA quotes found, want at least 90 %%", 100*share)
	}
}

// pdfCheckDoc checks the invariants every returned document keeps.
func pdfCheckDoc(tb testing.TB, doc *Document) {
	tb.Helper()
	if !utf8.ValidString(doc.Title) {
		tb.Errorf("title is not valid UTF-8: %q", doc.Title)
	}
	for _, b := range doc.Blocks {
		if !utf8.ValidString(b.Text) || strings.TrimSpace(b.Text) == "" {
			tb.Errorf("bad block text %q", b.Text)
		}
		for _, r := range b.Text {
			if r != '\n' && r != '\t' && unicode.IsControl(r) {
				tb.Errorf("control character %U in %q", r, b.Text)
			}
		}
		if b.Page < 1 || b.Page > doc.Pages {
			tb.Errorf("block on page %d of %d", b.Page, doc.Pages)
		}
	}
}

func TestPDFNotAPDF(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"empty", nil, ErrCorrupt},
		{"html", []byte("<!DOCTYPE html><html><body>404 Not Found</body></html>"), ErrCorrupt},
		{"latin1", []byte("Stra\xdfe und Geb\xfchren\n"), ErrCorrupt},
		{"header only", []byte("%PDF-1.7\n"), ErrCorrupt},
		{"zero pages", pdfZeroPages(), ErrNoPages},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := newPDFLoader(Options{}).Load(context.Background(), tt.name+".pdf", tt.data)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Load = %v, want an error wrapping %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.name+".pdf") {
				t.Errorf("error %q does not name the file", err)
			}
		})
	}
}

// pdfZeroPages writes a well-formed PDF whose page tree is empty.
func pdfZeroPages() []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	off1 := b.Len()
	b.WriteString("1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n")
	off2 := b.Len()
	b.WriteString("2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n")
	xref := b.Len()
	b.WriteString("xref\n0 3\n0000000000 65535 f \n")
	for _, off := range []int{off1, off2} {
		b.WriteString(strings.Repeat("0", 10-len(strconv.Itoa(off))) + strconv.Itoa(off) + " 00000 n \n")
	}
	b.WriteString("trailer\n<< /Size 3 /Root 1 0 R >>\nstartxref\n" + strconv.Itoa(xref) + "\n%%EOF\n")
	return b.Bytes()
}

func TestPDFCancelled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := newPDFLoader(Options{}).Load(ctx, "a.pdf", pdfMakeSample(t))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Load with a cancelled context = %v, want context.Canceled", err)
	}
}
