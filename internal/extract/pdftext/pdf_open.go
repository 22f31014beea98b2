package pdftext

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"

	"github.com/ledongthuc/pdf"
)

// pdfFile is an opened PDF: the library's reader, and the bytes it reads
// (from the %PDF header on) for repairing streams with a wrong /Length.
type pdfFile struct {
	r         *pdf.Reader
	body      []byte
	encrypted bool
}

// pdfOpen opens data with ledongthuc/pdf. The library sees the file from
// its %PDF header on (junk before it is cut off), a header it accepts, and
// our own checked cross-reference table appended as one xref stream (see
// pdf_xref.go for why). Errors wrap ErrCorrupt or ErrEncrypted.
func pdfOpen(data []byte) (*pdfFile, error) {
	h := bytes.Index(data[:min(len(data), 1024)], []byte("%PDF-"))
	if h < 0 {
		return nil, fmt.Errorf("not a PDF (no %%PDF header): %w", ErrCorrupt)
	}
	maxObj := pdfMaxObjects(len(data))
	x, chainErr := pdfReadXrefChain(data, maxObj)
	bad := x.check(data, h, maxObj) + x.dropDangling(data[h:])
	var stms []int
	if chainErr != nil || bad > 0 || !x.located(x.root) {
		stms = x.mergeScan(data, h, maxObj)
		x.dropDangling(data[h:])
	}
	if !x.located(x.root) {
		if chainErr == nil {
			chainErr = errors.New("no document catalog")
		}
		return nil, fmt.Errorf("%v: %w", chainErr, ErrCorrupt)
	}
	body := data[h:]
	r, err := x.open(body, stms)
	if err == nil && len(stms) > 0 {
		// A broken table left objects inside object streams unlisted:
		// list them from the streams themselves, then open again.
		x.addObjStmContents(r, stms, maxObj)
		r, err = x.open(body, nil)
	}
	if err != nil {
		if x.encrypt != nil {
			// The library tries the empty user password; it fails on a
			// real one and on encryption it does not implement (AES-256).
			return nil, fmt.Errorf("cannot decrypt (%v): %w", err, ErrEncrypted)
		}
		return nil, fmt.Errorf("%v: %w", err, ErrCorrupt)
	}
	return &pdfFile{r: r, body: body, encrypted: x.encrypt != nil}, nil
}

// located reports whether ref names an object the table can find.
func (x *pdfXref) located(ref pdfRef) bool {
	_, ok := x.entries[ref.num]
	return ref.num > 0 && ok
}

// check keeps the entries that point where the object really is, turning
// offsets into offsets from the %PDF header at h, and counts those it
// dropped. Offsets are tried as written and, when there was junk before
// the header, relative to the header, as viewers do.
func (x *pdfXref) check(data []byte, h, maxObj int) (bad int) {
	for num, e := range x.entries {
		switch {
		case num <= 0 || num >= maxObj:
			delete(x.entries, num)
			continue
		case e.inStream:
			continue
		}
		if gen, ok := pdfObjHeaderAt(data, e.off, num); ok && e.off >= int64(h) {
			e.off, e.gen = e.off-int64(h), gen
		} else if gen, ok := pdfObjHeaderAt(data, e.off+int64(h), num); ok && h > 0 {
			e.gen = gen
		} else {
			delete(x.entries, num)
			bad++
			continue
		}
		x.entries[num] = e
	}
	return bad
}

// dropDangling removes entries inside object streams that the library
// would choke on: a container that is not itself a plain object (the
// library recurses into such a chain without end), or whose dictionary
// claims more objects than we allow or extends itself (it loops over the
// claimed count, or the extension chain, without end). body is the data
// from the %PDF header on; nil skips the dictionary checks. It returns
// how many problems it found; a scan for plain objects may make up for
// them.
func (x *pdfXref) dropDangling(body []byte) (dropped int) {
	bad := map[int]bool{}
	for num, e := range x.entries {
		if !e.inStream {
			continue
		}
		c, ok := x.entries[e.stm]
		if !ok || c.inStream || e.stm == num {
			delete(x.entries, num)
			bad[-num] = true // counted with the bad streams
			continue
		}
		if body == nil {
			continue
		}
		if _, seen := bad[e.stm]; !seen {
			bad[e.stm] = !pdfObjStmSane(body, c.off, e.stm)
		}
		if bad[e.stm] {
			delete(x.entries, num)
		}
	}
	for _, b := range bad {
		if b {
			dropped++
		}
	}
	return dropped
}

// pdfObjStmSane checks the dictionary of object stream num at off.
func pdfObjStmSane(body []byte, off int64, num int) bool {
	if off < 0 || off >= int64(len(body)) {
		return false
	}
	lx := pdfLexer{b: body, pos: int(off)}
	lx.next() // "num gen obj", checked when the entry was
	lx.next()
	lx.next()
	v, _ := lx.object(0)
	d, _ := v.(map[pdfName]any)
	n, _ := d["N"].(float64)
	if n < 0 || n > 1<<20 {
		return false
	}
	ext, _ := d["Extends"].(pdfRef)
	return ext.num != num
}

// mergeScan finds "num gen obj" headers in data and adds the objects the
// table lacks (for the same number, the last header in the file wins, as
// incremental updates append). It fills in the catalog and trailer entries
// from the last ones in the file when the table gave none, and returns the
// object streams it saw.
func (x *pdfXref) mergeScan(data []byte, h, maxObj int) (stms []int) {
	type found struct {
		e             pdfXrefEntry
		objStm, isCat bool
	}
	scanned := map[int]found{}
	for i := h; i < len(data); {
		j := bytes.Index(data[i:], []byte("obj"))
		if j < 0 {
			break
		}
		p := i + j
		i = p + 3
		if i < len(data) && !pdfIsSpace(data[i]) && !pdfIsDelim(data[i]) {
			continue
		}
		num, gen, start, ok := pdfHeaderBefore(data, p)
		if !ok || start < h || num <= 0 || num >= maxObj {
			continue
		}
		head := data[i:min(len(data), i+512)]
		if k := bytes.Index(head, []byte("stream")); k >= 0 {
			head = head[:k]
		}
		scanned[num] = found{
			e:      pdfXrefEntry{off: int64(start - h), gen: gen},
			objStm: bytes.Contains(head, []byte("/ObjStm")),
			isCat:  bytes.Contains(head, []byte("/Catalog")),
		}
	}
	var catalogs []int
	for num, f := range scanned {
		if _, ok := x.entries[num]; ok {
			continue // the table's own entry was checked and is right
		}
		x.entries[num] = f.e
		if f.objStm {
			stms = append(stms, num)
		}
		if f.isCat {
			catalogs = append(catalogs, num)
		}
	}
	sort.Ints(stms)
	sort.Ints(catalogs)
	if !x.located(x.root) {
		if ref, ok := pdfLastKey(data, "/Root").(pdfRef); ok && x.located(ref) {
			x.root = ref
		} else if len(catalogs) > 0 {
			x.root = pdfRef{num: catalogs[len(catalogs)-1]}
		}
	}
	if x.info.num == 0 {
		x.info, _ = pdfLastKey(data, "/Info").(pdfRef)
	}
	if x.encrypt == nil {
		x.encrypt = pdfLastKey(data, "/Encrypt")
		x.id = pdfLastKey(data, "/ID")
	}
	return stms
}

// pdfHeaderBefore parses "num gen " backwards from p, the offset of "obj",
// and returns where num starts.
func pdfHeaderBefore(data []byte, p int) (num, gen, start int, ok bool) {
	digitsBack := func(q int) (val, from int, ok bool) {
		end := q
		for q > 0 && data[q-1] >= '0' && data[q-1] <= '9' && end-q < 10 {
			q--
		}
		if q == end {
			return 0, q, false
		}
		v, err := strconv.Atoi(string(data[q:end]))
		return v, q, err == nil
	}
	spacesBack := func(q int) int {
		for q > 0 && pdfIsSpace(data[q-1]) {
			q--
		}
		return q
	}
	q := spacesBack(p)
	if q == p {
		return 0, 0, 0, false
	}
	gen, q, ok = digitsBack(q)
	if !ok {
		return 0, 0, 0, false
	}
	q2 := spacesBack(q)
	if q2 == q {
		return 0, 0, 0, false
	}
	num, start, ok = digitsBack(q2)
	if !ok || (start > 0 && !pdfIsSpace(data[start-1]) && !pdfIsDelim(data[start-1])) {
		return 0, 0, 0, false
	}
	return num, gen, start, true
}

// pdfLastKey returns the object after the last occurrence of key in data,
// for trailer entries when the trailer itself cannot be found.
func pdfLastKey(data []byte, key string) any {
	i := bytes.LastIndex(data, []byte(key))
	if i < 0 {
		return nil
	}
	lx := pdfLexer{b: data, pos: i + len(key)}
	v, _ := lx.object(0)
	return v
}

// addObjStmContents lists the objects inside the given object streams,
// read through r. A plain object later in the file than its stream wins.
func (x *pdfXref) addObjStmContents(r *pdf.Reader, stms []int, maxObj int) {
	arr := r.Trailer().Key("CivitasObjStm")
	for i, stm := range stms {
		func() {
			defer func() { _ = recover() }() // an unreadable stream lists nothing
			v := arr.Index(i)
			n := min(v.Key("N").Int64(), int64(maxObj))
			content, _ := io.ReadAll(io.LimitReader(v.Reader(), 64<<20))
			lx := pdfLexer{b: content}
			for k := range int(max(n, 0)) {
				id, off := lx.next(), lx.next()
				if id.kind != pdfTokNum || off.kind != pdfTokNum {
					return
				}
				num := int(id.num)
				if num <= 0 || num >= maxObj || num == stm {
					continue
				}
				if e, ok := x.entries[num]; ok && !e.inStream && e.off > x.entries[stm].off {
					continue
				}
				x.entries[num] = pdfXrefEntry{inStream: true, stm: stm, gen: k}
			}
		}()
	}
	x.dropDangling(nil) // the streams were read: their /N is what it is
}
