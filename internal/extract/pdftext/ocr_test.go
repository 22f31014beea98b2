package pdftext

import (
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestOCRInstalledLangs(t *testing.T) {
	t.Parallel()
	out := "List of available languages in \"/usr/share/tesseract-ocr/5/tessdata/\" (4):\ndeu\neng\nfra\nosd\n"
	got := ocrInstalledLangs([]byte(out))
	for _, l := range []string{"deu", "eng", "fra", "osd"} {
		if !got[l] {
			t.Errorf("language %q missing from %v", l, got)
		}
	}
	if len(got) != 4 {
		t.Errorf("got %v, want exactly deu, eng, fra, osd", got)
	}
}

func TestOCRResolution(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		w, h float64
		want int
	}{
		{"A4", 595, 842, ocrDPI},
		{"unknown size", 0, 0, ocrDPI},
		{"A0 poster", 2384, 3370, 160},
		{"200 000-point page", 200000, 200000, 0},
	}
	for _, tt := range tests {
		if got := ocrResolution(tt.w, tt.h); got != tt.want {
			t.Errorf("%s: ocrResolution(%v, %v) = %d, want %d", tt.name, tt.w, tt.h, got, tt.want)
		}
	}
}

func TestOCRBlocks(t *testing.T) {
	t.Parallel()
	text := "Sehr geehrter Herr Keller,\n\nIn Ihrem Antrag bitten Sie die Verwal-\ntung, einen Standort\nzu finden.\n\n\f• Die Geburtenzahlen steigen.\n"
	got := ocrBlocks(text, 2)
	want := []Block{
		{Kind: Paragraph, Text: "Sehr geehrter Herr Keller,", Page: 2, OCR: true},
		{Kind: Paragraph, Text: "In Ihrem Antrag bitten Sie die Verwaltung, einen Standort zu finden.", Page: 2, OCR: true},
		{Kind: ListItem, Text: "• Die Geburtenzahlen steigen.", Page: 2, OCR: true},
	}
	if len(got) != len(want) {
		t.Fatalf("ocrBlocks = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("block %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

// TestOCRScanned reads the scanned council forms, which have no text
// layer: without OCR they must fail with ErrNoText, with it (when
// tesseract with German is installed) they must yield OCR blocks.
func TestOCRScanned(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob(filepath.Join(pdfDataDir(t), "docs", "scanned", "*.pdf"))
	if len(files) == 0 {
		t.Skip("no scanned PDFs in the shared corpus")
	}
	want := map[string][]string{
		"de_muenchen_Buergerversammlung_scan_2.pdf": {"Sozialreferat", "Antrag", "Jugendtreff"},
		"de_muenchen_Buergerversammlung_scan_3.pdf": {"Stadtbezirk", "Sozialreferat"},
	}
	for _, path := range files {
		name := filepath.Base(path)
		t.Run(name+"/without OCR", func(t *testing.T) {
			t.Parallel()
			_, err := pdfLoadFile(t, path, Options{OCR: false, OCRLanguages: []string{"deu"}})
			if !errors.Is(err, ErrNoText) {
				t.Fatalf("Load without OCR = %v, want ErrNoText", err)
			}
			if !strings.Contains(err.Error(), "OCR is turned off") {
				t.Errorf("error %q does not say why there is no text", err)
			}
		})
		t.Run(name+"/with OCR", func(t *testing.T) {
			t.Parallel()
			opts := Options{OCR: true, OCRLanguages: []string{"deu", "fra", "eng"}}
			eng, why := newOCREngine(t.Context(), opts)
			if eng == nil {
				_, err := pdfLoadFile(t, path, opts)
				if !errors.Is(err, ErrNoText) {
					t.Fatalf("Load without usable OCR (%s) = %v, want ErrNoText", why, err)
				}
				t.Skipf("OCR not available (%s): checked ErrNoText only", why)
			}
			if !strings.Contains(eng.langs, "deu") {
				t.Skip("tesseract has no German data (apt-get install tesseract-ocr-deu)")
			}
			doc, err := pdfLoadFile(t, path, opts)
			if err != nil {
				t.Fatalf("Load with OCR: %v", err)
			}
			pdfCheckDoc(t, doc)
			var all strings.Builder
			for _, b := range doc.Blocks {
				if !b.OCR {
					t.Errorf("block %q not marked OCR", b.Text)
				}
				all.WriteString(b.Text + "\n")
			}
			for _, w := range want[name] {
				if !strings.Contains(all.String(), w) {
					t.Errorf("OCR text lacks %q; it reads:\n%s", w, all.String())
				}
			}
		})
	}
}

// TestOCRUnavailable checks the warning path: a document with text on
// some pages and a scan on another keeps its text and says which page was
// skipped. It needs no tesseract: OCR is turned off.
func TestOCRUnavailable(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("pdftoppm"); err != nil {
		t.Log("pdftoppm missing; the warning path does not need it")
	}
	files, _ := filepath.Glob(filepath.Join(pdfDataDir(t), "hostile", "forms_scan_bad.pdf"))
	if len(files) == 0 {
		t.Skip("forms_scan_bad.pdf not in the shared corpus")
	}
	doc, err := pdfLoadFile(t, files[0], Options{OCR: false})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if len(doc.Warnings) == 0 || !strings.Contains(strings.Join(doc.Warnings, " "), "no text layer") {
		t.Errorf("warnings %q do not mention the page without a text layer", doc.Warnings)
	}
}
