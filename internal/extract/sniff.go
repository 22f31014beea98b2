package extract

import (
	"archive/zip"
	"bytes"
	"io"
	"path/filepath"
	"strings"
	"unicode/utf8"
)

// Media types Sniff returns; loaderFor maps each to its loader.
const (
	MediaPDF      = "application/pdf"
	MediaDOCX     = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	MediaODT      = "application/vnd.oasis.opendocument.text"
	MediaHTML     = "text/html"
	MediaMarkdown = "text/markdown"
	MediaText     = "text/plain"
	MediaUnknown  = "application/octet-stream"
)

// sniffTextWindow is how much of a file the text heuristics look at: enough
// to judge, small enough that sniffing a 200 MB file costs nothing.
const sniffTextWindow = 64 << 10

var (
	bomUTF8    = []byte{0xEF, 0xBB, 0xBF}
	bomUTF16LE = []byte{0xFF, 0xFE}
	bomUTF16BE = []byte{0xFE, 0xFF}
	oleMagic   = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
	// encryptedPackage is the stream name, in UTF-16LE, that an OLE
	// container holding a password-protected OOXML file always has.
	encryptedPackage = []byte("E\x00n\x00c\x00r\x00y\x00p\x00t\x00e\x00d\x00P\x00a\x00c\x00k\x00a\x00g\x00e\x00")
)

// Sniff returns the media type of a file from its content, using the name's
// extension only to choose between formats the content leaves open (a zip
// that will not open, Markdown or plain text). Files are misnamed in the
// wild — an HTML error page saved as .pdf, a DOCX named .pdf — so content
// wins over the name. It returns MediaUnknown for anything no loader reads.
// data is the whole file: telling DOCX from ODT means looking inside the zip.
func Sniff(name string, data []byte) string {
	ext := strings.ToLower(filepath.Ext(name))
	head := data[:min(len(data), 1024)]
	// Magic numbers at offset 0 first: they are stronger evidence than a
	// "%PDF-" that may sit anywhere in the first KiB (as readers accept).
	switch {
	case bytes.HasPrefix(data, []byte("PK\x03\x04")), bytes.HasPrefix(data, []byte("PK\x05\x06")):
		return sniffZip(ext, data)
	case bytes.HasPrefix(data, oleMagic):
		// A password-protected DOCX is an OLE file, not a zip; route it to
		// the DOCX loader so the user hears "password-protected", not
		// "unsupported". A legacy .doc stays unsupported.
		if bytes.Contains(data, encryptedPackage) || ext == ".docx" {
			return MediaDOCX
		}
		return MediaUnknown
	case bytes.Contains(head, []byte("%PDF-")):
		return MediaPDF
	}
	text, ok := textHead(data)
	if !ok {
		return MediaUnknown
	}
	switch {
	case looksLikeHTML(text):
		return MediaHTML
	case strings.HasPrefix(text, `{\rtf`):
		return MediaUnknown // RTF is text, but its markup would be extracted as words
	}
	switch ext {
	case ".md", ".markdown", ".mdown", ".mkd", ".mdwn":
		return MediaMarkdown
	case ".txt", ".text", ".csv", ".tsv", ".log":
		return MediaText
	}
	if looksLikeMarkdown(text) {
		return MediaMarkdown
	}
	return MediaText
}

// sniffZip tells the zip-based formats apart by their parts: an ODF file
// declares itself in a "mimetype" entry, a Word file has word/document.xml.
func sniffZip(ext string, data []byte) string {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		// A damaged zip: trust the name so the right loader reports the
		// damage ("not a valid DOCX") rather than "unsupported".
		switch ext {
		case ".docx", ".docm", ".dotx":
			return MediaDOCX
		case ".odt", ".ott":
			return MediaODT
		}
		return MediaUnknown
	}
	for i, f := range zr.File {
		if i >= maxZipEntries {
			break
		}
		switch f.Name {
		case "mimetype":
			if strings.HasPrefix(readSmallEntry(f, 128), MediaODT) {
				return MediaODT
			}
		case "word/document.xml":
			return MediaDOCX
		case "[Content_Types].xml":
			ct := readSmallEntry(f, 64<<10)
			if strings.Contains(ct, "wordprocessingml.document.main+xml") || strings.Contains(ct, "ms-word.document.macroEnabled.main+xml") {
				return MediaDOCX
			}
		}
	}
	return MediaUnknown
}

// readSmallEntry returns up to limit bytes of a zip entry, or "" if it
// cannot be read.
func readSmallEntry(f *zip.File, limit int64) string {
	rc, err := f.Open()
	if err != nil {
		return ""
	}
	defer rc.Close()
	b, _ := io.ReadAll(io.LimitReader(rc, limit))
	return string(b)
}

// textHead decides whether data is text and returns its start as UTF-8 for
// the format heuristics. Text is: UTF-8 or UTF-16 with a byte order mark,
// BOM-less UTF-16 (every other byte zero), valid UTF-8, or a plausible 8-bit
// text: no NUL and hardly any other control bytes.
func textHead(data []byte) (string, bool) {
	window := data[:min(len(data), sniffTextWindow)]
	switch {
	case len(data) == 0:
		return "", false
	case bytes.HasPrefix(window, bomUTF8):
		return strings.ToValidUTF8(string(window[len(bomUTF8):]), ""), true
	case bytes.HasPrefix(window, bomUTF16LE), bytes.HasPrefix(window, bomUTF16BE), isUTF16NoBOM(window) != "":
		s, _ := decodeText(window)
		return s, true
	}
	controls := 0
	for _, c := range window {
		switch {
		case c == 0:
			return "", false
		case c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f' && c != '\v', c == 0x7F:
			controls++
		}
	}
	// A few stray control bytes happen in real text (a form feed, an ESC
	// from a printer dump); binary formats have them everywhere.
	if controls*100 > len(window) {
		return "", false
	}
	if utf8.Valid(trimPartialRune(window, len(data))) {
		return string(window), true
	}
	s, _ := decodeText(window)
	return s, true
}

// trimPartialRune drops an incomplete UTF-8 sequence that the sniffing
// window cut off at its end, so valid UTF-8 is not mistaken for Latin-1.
func trimPartialRune(window []byte, total int) []byte {
	if len(window) == total {
		return window
	}
	for i := 1; i <= utf8.UTFMax && i <= len(window); i++ {
		if utf8.RuneStart(window[len(window)-i]) {
			if !utf8.FullRune(window[len(window)-i:]) {
				return window[:len(window)-i]
			}
			break
		}
	}
	return window
}

// looksLikeHTML reports whether text opens with an HTML document's
// markers, after a BOM, whitespace, comments and an XML declaration.
func looksLikeHTML(text string) bool {
	s := strings.ToLower(text[:min(len(text), 1024)])
	for {
		s = strings.TrimLeft(s, " \t\r\n\f\uFEFF")
		switch {
		case strings.HasPrefix(s, "<!--"):
			end := strings.Index(s, "-->")
			if end < 0 {
				return false
			}
			s = s[end+3:]
			continue
		case strings.HasPrefix(s, "<?xml"):
			end := strings.Index(s, "?>")
			if end < 0 {
				return false
			}
			s = s[end+2:]
			continue
		}
		break
	}
	for _, p := range []string{"<!doctype html", "<html", "<head", "<body"} {
		if strings.HasPrefix(s, p) && (len(s) == len(p) || strings.ContainsRune(" \t\r\n\f>", rune(s[len(p)]))) {
			return true
		}
	}
	return false
}

// looksLikeMarkdown reports whether text without a telling extension has
// Markdown ATX headings ("# Title", "## Section") at the start of a line.
func looksLikeMarkdown(text string) bool {
	for line := range strings.Lines(text) {
		if level, _, ok := atxHeading(strings.TrimRight(line, "\r\n")); ok && level > 0 {
			return true
		}
	}
	return false
}
