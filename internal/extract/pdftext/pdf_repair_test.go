package pdftext

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// pdfHandmade assembles a one-page PDF saying "Hallo Welt" from numbered
// object bodies and lets xref write the cross-reference section (given the
// object offsets and where it starts). It is how the tests below build the
// broken files that crashed or hung the PDF library before we checked its
// input.
func pdfHandmade(content string, extra map[int]string, xref func(b *bytes.Buffer, offs map[int]int)) []byte {
	objs := map[int]string{
		1: "<< /Type /Catalog /Pages 2 0 R >>",
		2: "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		3: "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
		4: fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content),
		5: "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
	}
	for n, o := range extra {
		objs[n] = o
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.5\n")
	offs := map[int]int{}
	for n := 1; n <= len(objs); n++ {
		offs[n] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", n, objs[n])
	}
	xref(&b, offs)
	return b.Bytes()
}

// pdfClassicXref writes a classic table for objects 1..n with the given
// subsection header and trailer extras, then startxref.
func pdfClassicXref(header, trailer string) func(b *bytes.Buffer, offs map[int]int) {
	return func(b *bytes.Buffer, offs map[int]int) {
		at := b.Len()
		fmt.Fprintf(b, "xref\n%s\n0000000000 65535 f \n", header)
		for n := 1; n <= len(offs); n++ {
			fmt.Fprintf(b, "%010d 00000 n \n", offs[n])
		}
		fmt.Fprintf(b, "trailer\n<< /Size %d /Root 1 0 R %s >>\nstartxref\n%d\n%%%%EOF\n", len(offs)+1,
			strings.ReplaceAll(trailer, "SELF", fmt.Sprint(at)), at)
	}
}

func TestPDFRepair(t *testing.T) {
	t.Parallel()
	const show = "BT /F1 12 Tf 72 720 Td (Hallo Welt) Tj ET"
	tests := []struct {
		name string
		data []byte
	}{
		{"valid", pdfHandmade(show, nil, pdfClassicXref("0 6", ""))},
		{
			// Made the library allocate a 4-billion-entry table: a fatal
			// out-of-memory, beyond recover.
			"huge xref subsection", pdfHandmade(show, nil, pdfClassicXref("0 4000000000", "")),
		},
		{
			// Made the library follow /Prev in a circle forever.
			"xref Prev loop", pdfHandmade(show, nil, pdfClassicXref("0 6", "/Prev SELF")),
		},
		{"wrong offsets", pdfHandmade(show, nil, func(b *bytes.Buffer, offs map[int]int) {
			for n := range offs {
				offs[n] += 7
			}
			pdfClassicXref("0 6", "")(b, offs)
		})},
		{"no xref at all", pdfHandmade(show, nil, func(b *bytes.Buffer, _ map[int]int) {
			b.WriteString("trailer\n<< /Root 1 0 R >>\n%%EOF\n")
		})},
		{"junk before the header", append([]byte("HTTP/1.1 200 OK\r\n\r\n"), pdfHandmade(show, nil, pdfClassicXref("0 6", ""))...)},
		{"PDF 2.0 header", bytes.Replace(pdfHandmade(show, nil, pdfClassicXref("0 6", "")), []byte("%PDF-1.5"), []byte("%PDF-2.0"), 1)},
		{"stream length too short", bytes.Replace(pdfHandmade(show, nil, pdfClassicXref("0 6", "")),
			[]byte(fmt.Sprintf("/Length %d", len(show))), []byte("/Length 9"), 1)},
		{
			// An xref stream that places the page inside itself: the
			// library recursed until the stack overflowed.
			"object stream containing itself", pdfHandmade(show, map[int]string{6: ""}, func(b *bytes.Buffer, offs map[int]int) {
				at := b.Len()
				rows := make([]byte, 7*7)
				for n := 1; n <= 6; n++ {
					row := rows[n*7:]
					row[0] = 1
					binary.BigEndian.PutUint32(row[1:], uint32(offs[n]))
				}
				rows[3*7] = 2 // object 3 in object stream 3
				binary.BigEndian.PutUint32(rows[3*7+1:], 3)
				fmt.Fprintf(b, "7 0 obj\n<< /Type /XRef /Size 7 /W [1 4 2] /Root 1 0 R /Length %d >>\nstream\n", len(rows))
				b.Write(rows)
				fmt.Fprintf(b, "\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n", at)
			}),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			doc, err := newPDFLoader(Options{}).Load(ctx, tt.name+".pdf", tt.data)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if got := pdfPageTexts(doc)[1]; got != "Hallo Welt" {
				t.Errorf("page 1 reads %q, want %q", got, "Hallo Welt")
			}
		})
	}
}

func TestPDFRepairGivesUp(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"no catalog", []byte("%PDF-1.4\n1 0 obj\n<< /Foo 1 >>\nendobj\n%%EOF\n"), ErrCorrupt},
		{"encrypted, unknown handler", pdfHandmade("", map[int]string{6: "<< /Filter /Secret /V 9 >>"}, pdfClassicXref("0 7", "/Encrypt 6 0 R /ID [<00> <00>]")), ErrEncrypted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := newPDFLoader(Options{}).Load(context.Background(), tt.name+".pdf", tt.data)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Load = %v, want an error wrapping %v", err, tt.want)
			}
		})
	}
}
