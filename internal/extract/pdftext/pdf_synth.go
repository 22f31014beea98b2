package pdftext

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"

	"github.com/ledongthuc/pdf"
)

// The file the library reads: the original bytes from the %PDF header on,
// a header it accepts, and a synthetic cross-reference stream appended,
// listing only the objects pdfOpen found and checked.

// open hands body plus a synthetic xref stream to the library. stms, when
// given, are listed in the trailer as /CivitasObjStm so that
// addObjStmContents can reach them.
func (x *pdfXref) open(body []byte, stms []int) (*pdf.Reader, error) {
	tail := x.tail(len(body), stms)
	ra := &pdfJoined{body: body, tail: tail}
	copy(ra.head[:], body)
	if len(body) >= 9 && !(body[7] >= '0' && body[7] <= '7' && body[5] == '1' && (body[8] == '\r' || body[8] == '\n')) {
		// PDF 2.0, "%PDF-1.", "%PDF-1.4 " …: the library only knows 1.0–1.7.
		copy(ra.head[5:9], "1.7\n")
	}
	return pdf.NewReader(ra, int64(len(body)+len(tail)))
}

// tail renders the synthetic xref stream that ends the file we give to the
// library: every entry, W [1 4 2], uncompressed, and the trailer keys.
func (x *pdfXref) tail(bodyLen int, stms []int) []byte {
	maxNum := 0
	for num := range x.entries {
		maxNum = max(maxNum, num)
	}
	self := maxNum + 1
	size := self + 1
	var b bytes.Buffer
	b.WriteString("\n")
	selfOff := bodyLen + b.Len()
	rows := make([]byte, size*7)
	put := func(num int, typ byte, f2 int64, f3 int) {
		row := rows[num*7 : num*7+7]
		row[0] = byte(typ)
		binary.BigEndian.PutUint32(row[1:5], uint32(f2))
		binary.BigEndian.PutUint16(row[5:7], uint16(f3))
	}
	for num, e := range x.entries {
		if e.inStream {
			put(num, 2, int64(e.stm), e.gen)
		} else {
			put(num, 1, e.off, e.gen)
		}
	}
	put(self, 1, int64(selfOff), 0)
	ref := func(r pdfRef) string { return fmt.Sprintf("%d %d R", r.num, x.entries[r.num].gen) }
	fmt.Fprintf(&b, "%d 0 obj\n<</Type/XRef/Size %d/W[1 4 2]/Root %s", self, size, ref(x.root))
	if x.located(x.info) {
		fmt.Fprintf(&b, "/Info %s", ref(x.info))
	}
	if x.encrypt != nil {
		b.WriteString("/Encrypt ")
		pdfWriteObj(&b, x.encrypt, 0)
	}
	if x.id != nil {
		b.WriteString("/ID ")
		pdfWriteObj(&b, x.id, 0)
	}
	if len(stms) > 0 {
		b.WriteString("/CivitasObjStm[")
		for _, s := range stms {
			fmt.Fprintf(&b, "%d %d R ", s, x.entries[s].gen)
		}
		b.WriteString("]")
	}
	fmt.Fprintf(&b, "/Length %d>>\nstream\n", len(rows))
	b.Write(rows)
	fmt.Fprintf(&b, "\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n", selfOff)
	return b.Bytes()
}

// pdfWriteObj serialises an object read by pdfLexer.object.
func pdfWriteObj(b *bytes.Buffer, v any, depth int) {
	if depth > pdfMaxObjDepth {
		b.WriteString("null")
		return
	}
	switch v := v.(type) {
	case float64:
		b.WriteString(strconv.FormatFloat(v, 'f', -1, 64))
	case string:
		fmt.Fprintf(b, "<%x>", v)
	case pdfName:
		b.WriteByte('/')
		for _, c := range []byte(v) {
			if c <= ' ' || c >= 0x7F || c == '#' || pdfIsDelim(c) {
				fmt.Fprintf(b, "#%02X", c)
			} else {
				b.WriteByte(c)
			}
		}
	case pdfRef:
		fmt.Fprintf(b, "%d %d R", v.num, v.gen)
	case bool:
		b.WriteString(strconv.FormatBool(v))
	case []any:
		b.WriteByte('[')
		for _, e := range v {
			pdfWriteObj(b, e, depth+1)
			b.WriteByte(' ')
		}
		b.WriteByte(']')
	case map[pdfName]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, string(k))
		}
		sort.Strings(keys)
		b.WriteString("<<")
		for _, k := range keys {
			pdfWriteObj(b, pdfName(k), depth+1)
			b.WriteByte(' ')
			pdfWriteObj(b, v[pdfName(k)], depth+1)
		}
		b.WriteString(">>")
	default:
		b.WriteString("null")
	}
}

// pdfJoined presents head over the start of body, then tail, as one file,
// without copying body.
type pdfJoined struct {
	head [9]byte
	body []byte
	tail []byte
}

func (j *pdfJoined) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("negative offset")
	}
	n := 0
	for len(p) > 0 {
		var src []byte
		switch {
		case off < int64(len(j.head)) && off < int64(len(j.body)):
			src = j.head[off:min(len(j.head), len(j.body))]
		case off < int64(len(j.body)):
			src = j.body[off:]
		case off < int64(len(j.body)+len(j.tail)):
			src = j.tail[off-int64(len(j.body)):]
		default:
			return n, io.EOF
		}
		c := copy(p, src)
		n += c
		p = p[c:]
		off += int64(c)
	}
	return n, nil
}
