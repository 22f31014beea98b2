package extract

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/civitas-eu/civitas/internal/extract/sanitize"
)

// Limits on zip containers (DOCX, ODT). A zip's declared sizes are
// attacker-controlled, so the limits are enforced on the bytes actually
// inflated, not on the directory.
const (
	// maxZipEntries bounds the central directory a loader walks.
	maxZipEntries = 10000
	// maxInflateRatio times Options.MaxBytes is the most a loader inflates
	// from one file, capped at maxInflateBytes.
	maxInflateRatio = 50
	maxInflateBytes = 500 << 20
)

// inflateLimit is how many uncompressed bytes a loader may read from one
// archive entry under opts.
func inflateLimit(opts Options) int64 {
	limit := int64(maxInflateBytes)
	if opts.MaxBytes > 0 && opts.MaxBytes < limit/maxInflateRatio {
		limit = opts.MaxBytes * maxInflateRatio
	}
	return limit
}

// openZip opens data as a zip archive with a bounded number of entries.
func openZip(data []byte) (*zip.Reader, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("open zip container: %v: %w", err, ErrCorrupt)
	}
	if len(zr.File) > maxZipEntries {
		return nil, fmt.Errorf("zip container has %d entries, more than the %d accepted: %w", len(zr.File), maxZipEntries, ErrCorrupt)
	}
	return zr, nil
}

// findEntry returns the entry called name, matching case-insensitively as a
// fallback because some producers vary the case of part names; nil if none.
func findEntry(zr *zip.Reader, name string) *zip.File {
	var folded *zip.File
	for _, f := range zr.File {
		if f.Name == name {
			return f
		}
		if folded == nil && strings.EqualFold(f.Name, name) {
			folded = f
		}
	}
	return folded
}

// errInflateLimit is returned by boundedReader once the limit is crossed.
var errInflateLimit = errors.New("inflated size limit reached")

// boundedReader fails, rather than silently truncating, once more than
// limit bytes have been read, and stops early when ctx is done.
type boundedReader struct {
	ctx   context.Context
	r     io.Reader
	left  int64
	limit int64
}

func (b *boundedReader) Read(p []byte) (int, error) {
	if err := b.ctx.Err(); err != nil {
		return 0, err
	}
	if b.left <= 0 {
		return 0, errInflateLimit
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.r.Read(p)
	b.left -= int64(n)
	return n, err
}

// openEntry opens a zip entry for streaming with at most limit inflated
// bytes. The caller closes it.
func openEntry(ctx context.Context, f *zip.File, limit int64) (io.ReadCloser, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("open %s: %v: %w", f.Name, err, ErrCorrupt)
	}
	return struct {
		io.Reader
		io.Closer
	}{&boundedReader{ctx: ctx, r: rc, left: limit, limit: limit}, rc}, nil
}

// readEntry reads a whole, small zip entry (styles, metadata) with at most
// limit inflated bytes.
func readEntry(ctx context.Context, f *zip.File, limit int64) ([]byte, error) {
	rc, err := openEntry(ctx, f, limit)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		return nil, entryError(f.Name, limit, err)
	}
	return b, nil
}

// entryError explains why reading an entry stopped, keeping the sentinel
// that applies: a zip bomb is ErrTooLarge, a damaged stream ErrCorrupt.
func entryError(name string, limit int64, err error) error {
	switch {
	case errors.Is(err, errInflateLimit):
		return fmt.Errorf("%s inflates to more than %d bytes (zip bomb?): %w", name, limit, ErrTooLarge)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("read %s: %w", name, err)
	default:
		return fmt.Errorf("read %s: %v: %w", name, err, ErrCorrupt)
	}
}

// newXMLDecoder returns a decoder for office XML that tolerates the sloppy
// markup some producers write. encoding/xml never expands external or
// user-defined entities, so "billion laughs" files cannot blow up here.
func newXMLDecoder(r io.Reader) *xml.Decoder {
	d := xml.NewDecoder(controlFilter{r})
	d.Strict = false
	d.Entity = xml.HTMLEntity
	// Office XML is UTF-8 or UTF-16; anything else is passed through and
	// sanitized later rather than failing the whole file.
	d.CharsetReader = func(charset string, input io.Reader) (io.Reader, error) { return input, nil }
	return d
}

// controlFilter turns the C0 control bytes XML forbids into spaces: one
// stray control character, which some converters leave in text runs,
// would otherwise end parsing of the whole document. Multi-byte UTF-8
// sequences never contain bytes below 0x80, so this is encoding-safe.
type controlFilter struct{ r io.Reader }

func (f controlFilter) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	for i, c := range p[:n] {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
			p[i] = ' '
		}
	}
	return n, err
}

// attr returns the value of the attribute with the given local name.
func attr(se xml.StartElement, local string) string {
	for _, a := range se.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

// firstAttr returns attribute attrLocal of the first element named local in
// a small XML entry, or "".
func firstAttr(ctx context.Context, f *zip.File, local, attrLocal string) string {
	if f == nil {
		return ""
	}
	b, err := readEntry(ctx, f, 4<<20)
	if err != nil {
		return ""
	}
	d := newXMLDecoder(bytes.NewReader(b))
	for {
		tok, err := d.Token()
		if err != nil {
			return ""
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == local {
			return attr(se, attrLocal)
		}
	}
}

// metaText reads Dublin Core title and language from an OOXML core.xml or
// ODF meta.xml entry; missing or broken metadata is not an error.
func metaText(ctx context.Context, f *zip.File) (title, lang string) {
	if f == nil {
		return "", ""
	}
	b, err := readEntry(ctx, f, 1<<20)
	if err != nil {
		return "", ""
	}
	d := newXMLDecoder(bytes.NewReader(b))
	var field *string
	var seenTitle, seenLang bool
	for {
		tok, err := d.Token()
		if err != nil {
			break
		}
		switch t := tok.(type) {
		case xml.StartElement:
			field = nil
			// Only the first title and language count.
			switch {
			case t.Name.Local == "title" && !seenTitle:
				field, seenTitle = &title, true
			case t.Name.Local == "language" && !seenLang:
				field, seenLang = &lang, true
			}
		case xml.CharData:
			if field != nil {
				*field += string(t)
			}
		case xml.EndElement:
			field = nil
		}
	}
	return sanitize.Text(title), normLanguage(lang)
}

// xmlFailure turns a decoding error of a document part into an error for
// the caller, or nil when it is worth keeping what was read so far: a file
// whose text breaks off halfway still has a useful first half.
func xmlFailure(part string, err error, limit int64, got int) (warning string, fail error) {
	if err == io.EOF {
		return "", nil
	}
	if errors.Is(err, errInflateLimit) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return "", entryError(part, limit, err)
	}
	if got == 0 {
		return "", fmt.Errorf("parse %s: %v: %w", part, err, ErrCorrupt)
	}
	return fmt.Sprintf("%s is damaged; text after the damage was not extracted (%v)", part, err), nil
}
