package pdftext

import (
	"errors"
	"testing"
)

// TestExtract: the package's entry point reads a generated PDF into
// blocks of every kind, each on its page, and names the file in errors.
func TestExtract(t *testing.T) {
	t.Parallel()
	doc, err := Extract(t.Context(), "amtsblatt.pdf", pdfMakeSample(t), Options{})
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	pdfCheckDoc(t, doc)
	kinds := map[BlockKind]int{}
	for _, b := range doc.Blocks {
		kinds[b.Kind]++
	}
	if doc.Pages != 5 || kinds[Heading] == 0 || kinds[Paragraph] == 0 || kinds[ListItem] == 0 {
		t.Errorf("got %d pages and block kinds %v; want 5 pages and headings, paragraphs and list items", doc.Pages, kinds)
	}
	if _, err := Extract(t.Context(), "leer.pdf", pdfZeroPages(), Options{}); !errors.Is(err, ErrNoPages) {
		t.Errorf("Extract(zero pages) = %v, want ErrNoPages", err)
	}
}

// TestOCRAvailableTurnedOff: with OCR off there is no OCR, and the reason
// says so, whatever is installed.
func TestOCRAvailableTurnedOff(t *testing.T) {
	t.Parallel()
	if ok, why := OCRAvailable(t.Context(), Options{OCR: false, OCRLanguages: []string{"deu"}}); ok || why != "OCR is turned off" {
		t.Errorf("OCRAvailable(OCR off) = %v, %q; want false, \"OCR is turned off\"", ok, why)
	}
}
