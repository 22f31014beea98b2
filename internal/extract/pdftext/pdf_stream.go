package pdftext

import (
	"bytes"
	"compress/zlib"
	"encoding/ascii85"
	"encoding/hex"
	"io"
	"strconv"
	"strings"

	"github.com/ledongthuc/pdf"
)

// content returns the decoded data of a content stream, at most limit
// bytes. The library reads exactly /Length bytes; when that length is
// wrong (too short, zero, past the end: a classic of broken writers and
// truncated downloads) we find "endstream" ourselves and decode the raw
// bytes, as viewers do, as long as the file is not encrypted and the
// filters are ones we know.
func (f *pdfFile) content(v pdf.Value, limit int64) []byte {
	data, _ := pdfReadStream(v, limit)
	if f == nil || f.encrypted {
		return data
	}
	off, ok := pdfStreamOffset(v)
	if !ok || off >= int64(len(f.body)) {
		return data
	}
	n := v.Key("Length").Int64()
	if n > 0 && off+n <= int64(len(f.body)) && pdfEndsStream(f.body[off+n:]) {
		return data // the length is right
	}
	rest := f.body[off:]
	end := bytes.Index(rest, []byte("endstream"))
	if end < 0 {
		return data
	}
	raw := rest[:end]
	raw = bytes.TrimSuffix(raw, []byte("\n"))
	raw = bytes.TrimSuffix(raw, []byte("\r"))
	fixed, ok := pdfDecode(raw, v.Key("Filter"), limit)
	if ok && len(fixed) > len(data) {
		return fixed
	}
	return data
}

// pdfStreamOffset reads where a stream's data starts. The library keeps it
// unexported but prints it: a stream Value's String is "<<…>>@offset".
func pdfStreamOffset(v pdf.Value) (int64, bool) {
	if v.Kind() != pdf.Stream {
		return 0, false
	}
	s := v.String()
	i := strings.LastIndexByte(s, '@')
	if i < 0 {
		return 0, false
	}
	off, err := strconv.ParseInt(s[i+1:], 10, 64)
	return off, err == nil && off >= 0
}

// pdfEndsStream reports whether b starts with "endstream", after an
// optional end of line.
func pdfEndsStream(b []byte) bool {
	b = bytes.TrimLeft(b[:min(len(b), 16)], "\r\n \t")
	return bytes.HasPrefix(b, []byte("endstream"))
}

// pdfDecode applies a stream's filters to raw data: FlateDecode,
// ASCIIHexDecode and ASCII85Decode, in any chain, without predictors.
// Data that ends early keeps what was decoded. ok is false for other
// filters.
func pdfDecode(raw []byte, filter pdf.Value, limit int64) ([]byte, bool) {
	var names []string
	switch filter.Kind() {
	case pdf.Name:
		names = []string{filter.Name()}
	case pdf.Array:
		for i := range min(filter.Len(), 8) {
			names = append(names, filter.Index(i).Name())
		}
	}
	data := raw
	for _, name := range names {
		var r io.Reader
		switch name {
		case "FlateDecode", "Fl":
			zr, err := zlib.NewReader(bytes.NewReader(data))
			if err != nil {
				return nil, false
			}
			r = zr
		case "ASCIIHexDecode", "AHx":
			if i := bytes.IndexByte(data, '>'); i >= 0 {
				data = data[:i]
			}
			clean := bytes.Map(func(r rune) rune {
				if strings.ContainsRune("0123456789abcdefABCDEF", r) {
					return r
				}
				return -1
			}, data)
			if len(clean)%2 == 1 {
				clean = append(clean, '0')
			}
			r = hex.NewDecoder(bytes.NewReader(clean))
		case "ASCII85Decode", "A85":
			if i := bytes.Index(data, []byte("~>")); i >= 0 {
				data = data[:i]
			}
			r = ascii85.NewDecoder(bytes.NewReader(data))
		default:
			return nil, false
		}
		out, _ := io.ReadAll(io.LimitReader(r, limit)) // keep a truncated tail
		data = out
	}
	return data, true
}
