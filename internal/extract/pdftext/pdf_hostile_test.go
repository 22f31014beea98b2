package pdftext

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// pdfHostileWant is what a hostile file must yield: one of these errors,
// or a document when doc is true. A nil entry accepts anything that is
// not a crash, a hang or an unlisted error.
type pdfHostileWant struct {
	errs []error
	doc  bool
}

func TestPDFHostile(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(pdfDataDir(t), "hostile")
	var files []string
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".pdf") {
			files = append(files, path)
		}
		return err
	})
	if err != nil || len(files) == 0 {
		t.Skipf("no hostile PDFs (%v)", err)
	}
	encrypted := pdfHostileWant{errs: []error{ErrEncrypted}, doc: true} // text may come out of owner-only encryption
	known := map[string]pdfHostileWant{
		"encrypted_owner_only_aes256_empty.pdf":   encrypted,
		"encrypted_print_protection.pdf":          encrypted,
		"encrypted_user_password_issue6010.pdf":   encrypted,
		"user_password_secret_aes256.pdf":         encrypted,
		"zero_bytes.pdf":                          {errs: []error{ErrCorrupt}},
		"truncated_header_only_1KB.pdf":           {errs: []error{ErrCorrupt}},
		"html_error_page_named.pdf":               {errs: []error{ErrCorrupt}},
		"docx_named.pdf":                          {errs: []error{ErrCorrupt}},
		"latin1_text_named.pdf":                   {errs: []error{ErrCorrupt}},
		"broken_bug1020226.pdf":                   {errs: []error{ErrCorrupt}},
		"huge_page_200000pt.pdf":                  {doc: true},
		"negative_mediabox.pdf":                   {doc: true},
		"fonts_identity_tounicode.pdf":            {doc: true},
		"broken_multiple_filters_length_zero.pdf": {errs: []error{ErrNoText}, doc: true},
	}
	sentinels := []error{ErrCorrupt, ErrEncrypted, ErrNoPages, ErrNoText}
	for _, path := range files {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			start := time.Now()
			doc, err := newPDFLoader(Options{}).Load(ctx, name, data)
			if ctx.Err() != nil {
				t.Fatalf("Load did not finish within 30 s (%v)", err)
			}
			if err != nil {
				t.Logf("error after %v: %v", time.Since(start).Round(time.Millisecond), err)
				if !slicesContainsErr(sentinels, err) {
					t.Fatalf("error wraps none of the sentinel errors: %v", err)
				}
			} else {
				pdfCheckDoc(t, doc)
				t.Logf("document after %v: %d pages, %d blocks, warnings %q", time.Since(start).Round(time.Millisecond), doc.Pages, len(doc.Blocks), doc.Warnings)
			}
			want, ok := known[name]
			if !ok {
				return
			}
			switch {
			case err == nil && !want.doc:
				t.Errorf("got a document, want an error wrapping one of %v", want.errs)
			case err != nil && !slicesContainsErr(want.errs, err):
				t.Errorf("error %v, want one wrapping one of %v", err, want.errs)
			}
		})
	}
}

// slicesContainsErr reports whether err wraps one of targets.
func slicesContainsErr(targets []error, err error) bool {
	for _, target := range targets {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}
