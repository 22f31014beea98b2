package pdftext

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"math"
)

// Why we read the cross-reference table ourselves before ledongthuc/pdf
// does: the library trusts it blindly, and several hostile inputs crash the
// whole process there, beyond the reach of recover. A subsection header
// "4000000000 1" makes it allocate an xref slice of that length (a fatal
// out-of-memory), a /Prev loop spins forever, an object stream said to live
// inside itself recurses until the stack overflows, and a file whose update
// chain mixes xref tables with xref streams (the IRS 1040 form in the
// corpus) is rejected outright. So we read the chain, bounded, merge its
// sections, check every entry, fall back to scanning for "n g obj" when the
// table is broken, and hand the library a single synthetic xref stream that
// only lists objects we found. See pdfOpen.

// pdfXrefEntry locates one object: at a byte offset, or as the idx-th
// object in object stream stm.
type pdfXrefEntry struct {
	inStream bool
	off      int64 // byte offset (in the data given to the library)
	stm      int   // containing object stream, when inStream
	gen      int   // generation, or index in the object stream
}

// pdfXref is a merged cross-reference table plus the trailer entries the
// synthetic trailer must carry.
type pdfXref struct {
	entries map[int]pdfXrefEntry
	root    pdfRef
	info    pdfRef
	encrypt any // the trailer's /Encrypt value, nil when not encrypted
	id      any // the trailer's /ID value
}

var errPDFXref = errors.New("broken cross-reference table")

// pdfMaxObjects bounds object numbers for a file of n bytes: generous for
// real files, yet small enough that the tables built from them stay in the
// tens of megabytes.
func pdfMaxObjects(n int) int {
	return min(2_000_000, 100_000+n/4)
}

// pdfFindStartxref returns the offset after the last "startxref".
func pdfFindStartxref(data []byte) (int, error) {
	i := bytes.LastIndex(data, []byte("startxref"))
	if i < 0 {
		return 0, fmt.Errorf("no startxref: %w", errPDFXref)
	}
	lx := pdfLexer{b: data, pos: i + len("startxref")}
	t := lx.next()
	if t.kind != pdfTokNum || t.num < 0 || t.num >= float64(len(data)) {
		return 0, fmt.Errorf("startxref points outside the file: %w", errPDFXref)
	}
	return int(t.num), nil
}

// pdfReadXrefChain reads the newest xref section and its /Prev (and
// /XRefStm) predecessors. Entries of newer sections win. It returns what it
// could read even on error.
func pdfReadXrefChain(data []byte, maxObj int) (*pdfXref, error) {
	x := &pdfXref{entries: map[int]pdfXrefEntry{}}
	off, err := pdfFindStartxref(data)
	if err != nil {
		return x, err
	}
	seen := map[int]bool{}
	queue := []int{off}
	for n := 0; len(queue) > 0; n++ {
		off, queue = queue[0], queue[1:]
		if seen[off] || n > 256 {
			continue // a loop in the chain: every section is read once
		}
		seen[off] = true
		trailer, err := x.readSection(data, off, maxObj)
		if err != nil {
			return x, fmt.Errorf("xref section at offset %d: %w", off, err)
		}
		if n == 0 {
			x.root, _ = trailer["Root"].(pdfRef)
			x.info, _ = trailer["Info"].(pdfRef)
			x.encrypt = trailer["Encrypt"]
			x.id = trailer["ID"]
		}
		if x.root.num == 0 {
			x.root, _ = trailer["Root"].(pdfRef)
		}
		for _, key := range []pdfName{"XRefStm", "Prev"} {
			if v, ok := trailer[key].(float64); ok && v >= 0 && v < float64(len(data)) {
				queue = append(queue, int(v))
			}
		}
	}
	return x, nil
}

// readSection reads one classic table or xref stream at off and returns
// its trailer dictionary.
func (x *pdfXref) readSection(data []byte, off, maxObj int) (map[pdfName]any, error) {
	if off < 0 || off >= len(data) {
		return nil, errPDFXref
	}
	lx := pdfLexer{b: data, pos: off}
	save := lx.pos
	if t := lx.next(); t.kind == pdfTokKeyword && string(t.raw) == "xref" {
		return x.readTable(&lx, maxObj)
	}
	lx.pos = save
	return x.readStream(&lx, maxObj)
}

func (x *pdfXref) readTable(lx *pdfLexer, maxObj int) (map[pdfName]any, error) {
	for {
		t := lx.next()
		if t.kind == pdfTokKeyword && string(t.raw) == "trailer" {
			v, _ := lx.object(0)
			d, ok := v.(map[pdfName]any)
			if !ok {
				return nil, fmt.Errorf("no trailer dictionary: %w", errPDFXref)
			}
			return d, nil
		}
		c := lx.next()
		if t.kind != pdfTokNum || c.kind != pdfTokNum || t.num < 0 || c.num < 0 || t.num+c.num > float64(maxObj) {
			return nil, fmt.Errorf("bad subsection header: %w", errPDFXref)
		}
		start, count := int(t.num), int(c.num)
		if count*18 > len(lx.b)-lx.pos {
			return nil, fmt.Errorf("subsection of %d entries longer than the file: %w", count, errPDFXref)
		}
		for i := range count {
			o, g, k := lx.next(), lx.next(), lx.next()
			if o.kind != pdfTokNum || g.kind != pdfTokNum || k.kind != pdfTokKeyword || len(k.raw) != 1 {
				return nil, fmt.Errorf("bad entry: %w", errPDFXref)
			}
			if _, ok := x.entries[start+i]; ok || k.raw[0] != 'n' {
				// Free entries are not recorded: in hybrid files they
				// stand for objects the /XRefStm stream locates.
				continue
			}
			x.entries[start+i] = pdfXrefEntry{off: int64(o.num), gen: int(g.num)}
		}
	}
}

func (x *pdfXref) readStream(lx *pdfLexer, maxObj int) (map[pdfName]any, error) {
	hdr, body, err := pdfStreamAt(lx, maxObj*32)
	if err != nil {
		return nil, err
	}
	var w [3]int
	wa, _ := hdr["W"].([]any)
	if len(wa) < 3 {
		return nil, fmt.Errorf("xref stream without /W: %w", errPDFXref)
	}
	total := 0
	for i := range 3 {
		f, _ := wa[i].(float64)
		if f < 0 || f > 8 {
			return nil, fmt.Errorf("xref stream /W %v: %w", wa, errPDFXref)
		}
		w[i] = int(f)
		total += w[i]
	}
	size, _ := hdr["Size"].(float64)
	if size < 0 || size > float64(maxObj) || total == 0 {
		return nil, fmt.Errorf("xref stream /Size %v: %w", size, errPDFXref)
	}
	index := []any{0.0, size}
	if ia, ok := hdr["Index"].([]any); ok && len(ia) >= 2 {
		index = ia
	}
	field := func(b []byte) int64 {
		var v int64
		for _, c := range b {
			v = v<<8 | int64(c)
		}
		return v
	}
	for ; len(index) >= 2; index = index[2:] {
		start, _ := index[0].(float64)
		count, _ := index[1].(float64)
		if start < 0 || count < 0 || start+count > float64(maxObj) {
			return nil, fmt.Errorf("xref stream /Index: %w", errPDFXref)
		}
		for i := range int(count) {
			if len(body) < total {
				return hdr, nil // short stream: keep what was there
			}
			rec := body[:total]
			body = body[total:]
			typ := int64(1)
			if w[0] > 0 {
				typ = field(rec[:w[0]])
			}
			f2, f3 := field(rec[w[0]:w[0]+w[1]]), field(rec[w[0]+w[1]:])
			num := int(start) + i
			if _, ok := x.entries[num]; ok {
				continue
			}
			switch typ {
			case 1:
				x.entries[num] = pdfXrefEntry{off: f2, gen: int(f3)}
			case 2:
				if f2 < math.MaxInt32 {
					x.entries[num] = pdfXrefEntry{inStream: true, stm: int(f2), gen: int(f3)}
				}
			}
		}
	}
	return hdr, nil
}

// pdfStreamAt reads "n g obj << … >> stream … endstream" at the lexer's
// position and returns the dictionary and the decoded data, at most limit
// bytes. Only what cross-reference streams use is supported: no filter or
// FlateDecode, with or without a PNG predictor.
func pdfStreamAt(lx *pdfLexer, limit int) (map[pdfName]any, []byte, error) {
	n, g, o := lx.next(), lx.next(), lx.next()
	if n.kind != pdfTokNum || g.kind != pdfTokNum || o.kind != pdfTokKeyword || string(o.raw) != "obj" {
		return nil, nil, fmt.Errorf("no object at offset: %w", errPDFXref)
	}
	v, _ := lx.object(0)
	hdr, ok := v.(map[pdfName]any)
	if !ok {
		return nil, nil, fmt.Errorf("object is not a stream: %w", errPDFXref)
	}
	if t := lx.next(); t.kind != pdfTokKeyword || string(t.raw) != "stream" {
		return nil, nil, fmt.Errorf("object is not a stream: %w", errPDFXref)
	}
	start := lx.pos
	if start < len(lx.b) && lx.b[start] == '\r' {
		start++
	}
	if start < len(lx.b) && lx.b[start] == '\n' {
		start++
	}
	end := -1
	if l, ok := hdr["Length"].(float64); ok && l >= 0 && start+int(l) <= len(lx.b) {
		end = start + int(l)
	} else if i := bytes.Index(lx.b[start:], []byte("endstream")); i >= 0 {
		end = start + i
	}
	if end < 0 {
		return nil, nil, fmt.Errorf("stream without end: %w", errPDFXref)
	}
	raw := lx.b[start:end]
	var filter any = hdr["Filter"]
	if fa, ok := filter.([]any); ok && len(fa) == 1 {
		filter = fa[0]
	}
	switch filter {
	case nil:
		return hdr, raw, nil
	case pdfName("FlateDecode"):
	default:
		return nil, nil, fmt.Errorf("xref stream filter %v: %w", filter, errPDFXref)
	}
	zr, err := zlib.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, nil, fmt.Errorf("inflate xref stream: %v: %w", err, errPDFXref)
	}
	out, _ := io.ReadAll(io.LimitReader(zr, int64(limit))) // keep a truncated tail
	parms, _ := hdr["DecodeParms"].(map[pdfName]any)
	if pa, ok := hdr["DecodeParms"].([]any); ok && len(pa) == 1 {
		parms, _ = pa[0].(map[pdfName]any)
	}
	if pred, _ := parms["Predictor"].(float64); pred >= 10 {
		cols, _ := parms["Columns"].(float64)
		if cols < 1 || cols > 64 {
			return nil, nil, fmt.Errorf("xref stream predictor columns %v: %w", cols, errPDFXref)
		}
		out = pdfUnPNG(out, int(cols))
	} else if pred > 1 {
		return nil, nil, fmt.Errorf("xref stream predictor %v: %w", pred, errPDFXref)
	}
	return hdr, out, nil
}

// pdfUnPNG undoes PNG row filters (one byte per pixel) in place, returning
// the rows without their filter bytes.
func pdfUnPNG(b []byte, cols int) []byte {
	out := make([]byte, 0, len(b))
	prev := make([]byte, cols)
	for len(b) >= cols+1 {
		typ, row := b[0], b[1:cols+1]
		b = b[cols+1:]
		for i := range row {
			var left, up, ul byte
			if i > 0 {
				left, ul = row[i-1], prev[i-1]
			}
			up = prev[i]
			switch typ {
			case 1:
				row[i] += left
			case 2:
				row[i] += up
			case 3:
				row[i] += byte((int(left) + int(up)) / 2)
			case 4:
				row[i] += pdfPaeth(left, up, ul)
			}
		}
		copy(prev, row)
		out = append(out, row...)
	}
	return out
}

func pdfPaeth(a, b, c byte) byte {
	p := int(a) + int(b) - int(c)
	pa, pb, pc := pdfAbs(p-int(a)), pdfAbs(p-int(b)), pdfAbs(p-int(c))
	switch {
	case pa <= pb && pa <= pc:
		return a
	case pb <= pc:
		return b
	}
	return c
}

func pdfAbs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// pdfObjHeaderAt reports the generation of object num if "num gen obj"
// starts at off (after white space).
func pdfObjHeaderAt(data []byte, off int64, num int) (gen int, ok bool) {
	if off < 0 || off >= int64(len(data)) {
		return 0, false
	}
	lx := pdfLexer{b: data, pos: int(off)}
	n, g, o := lx.next(), lx.next(), lx.next()
	if n.kind != pdfTokNum || int(n.num) != num || g.kind != pdfTokNum || o.kind != pdfTokKeyword || string(o.raw) != "obj" {
		return 0, false
	}
	return int(g.num), true
}
