package pdftext

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/civitas-eu/civitas/internal/pdfmake"
)

// FuzzPDF feeds the PDF loader generated documents, the small hostile
// files and their mutations. Load must not panic, must give up within its
// deadline, must fail only with one of the sentinel errors, and any text
// it returns must be valid UTF-8 without control characters.
func FuzzPDF(f *testing.F) {
	f.Add(pdfMakeSample(f))
	f.Add(pdfZeroPages())
	one := pdfmake.New("Kurz")
	one.Heading("Satzung über die Erhebung der Hundesteuer")
	one.Paragraph("§ 1 Steuergegenstand. Die Gemeinde erhebt die Hundesteuer nach dieser Satzung – 42,50 € je Hund.")
	var buf bytes.Buffer
	if _, err := one.WriteTo(&buf); err != nil {
		f.Fatalf("write seed PDF: %v", err)
	}
	f.Add(buf.Bytes())
	f.Add(pdfHandmade("BT /F1 12 Tf 72 720 Td (Hallo Welt) Tj ET", nil, pdfClassicXref("0 6", "")))
	if dir, ok := pdfFindDataDir(); ok {
		_ = filepath.WalkDir(filepath.Join(dir, "hostile"), func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || filepath.Ext(path) != ".pdf" {
				return err
			}
			if fi, err := d.Info(); err == nil && fi.Size() < 64<<10 {
				if data, err := os.ReadFile(path); err == nil {
					f.Add(data)
				}
			}
			return nil
		})
	}
	sentinels := []error{ErrCorrupt, ErrEncrypted, ErrNoPages, ErrNoText}
	f.Fuzz(func(t *testing.T, data []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		doc, err := newPDFLoader(Options{}).Load(ctx, "fuzz.pdf", data)
		switch {
		case errors.Is(err, context.DeadlineExceeded):
			t.Fatalf("Load did not finish within 10 s")
		case err != nil:
			if !slicesContainsErr(sentinels, err) {
				t.Fatalf("error wraps none of the sentinel errors: %v", err)
			}
		default:
			pdfCheckDoc(t, doc)
		}
	})
}
