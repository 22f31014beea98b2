package pdftext

import (
	"strconv"
	"unicode/utf16"
)

// ToUnicode CMaps: the map from a font's character codes to Unicode text
// that PDF producers embed next to subset fonts. Only the sections that
// carry that map are read (codespace ranges, bfchar, bfrange), with the
// shared tokenizer, and its size is bounded.

// pdfCMap is a parsed ToUnicode CMap.
type pdfCMap struct {
	single map[uint64]string // (length << 32 | code) to text
	ranges []pdfCMapRange
	spaces []pdfCMapRange // codespace ranges: dst unused
}

type pdfCMapRange struct {
	lo, hi uint32
	n      int      // code length in bytes
	base   []uint16 // destination of lo; the last unit counts up
	arr    []string // or one destination per code
}

// pdfMaxCMapExpand bounds how many bfrange codes are expanded into the
// single-code map; larger ranges are computed on lookup.
const pdfMaxCMapExpand = 256

func pdfCode(b []byte) uint32 {
	var c uint32
	for _, x := range b[:min(len(b), 4)] {
		c = c<<8 | uint32(x)
	}
	return c
}

func pdfUTF16(b []byte) string {
	u := make([]uint16, 0, len(b)/2)
	for i := 0; i+1 < len(b); i += 2 {
		u = append(u, uint16(b[i])<<8|uint16(b[i+1]))
	}
	if len(b) == 1 {
		u = append(u, uint16(b[0]))
	}
	return string(utf16.Decode(u))
}

// pdfParseCMap reads the bfchar, bfrange and codespacerange sections of a
// CMap; everything else is ignored.
func pdfParseCMap(data []byte) *pdfCMap {
	m := &pdfCMap{single: map[uint64]string{}}
	lx := pdfLexer{b: data}
	var ops []pdfTok // operands since the last operator
	var arr []string
	inArray := false
	for {
		t := lx.next()
		switch t.kind {
		case pdfTokEOF:
			return m
		case pdfTokArrayOpen:
			inArray, arr = true, nil
			continue
		case pdfTokArrayClose:
			inArray = false
			ops = append(ops, pdfTok{kind: pdfTokArrayOpen, raw: []byte(strconv.Itoa(len(arr)))})
			m.ranges = append(m.ranges, pdfCMapRange{arr: arr}) // parked; claimed by endbfrange
			continue
		case pdfTokString:
			if inArray {
				arr = append(arr, pdfUTF16(t.str))
				continue
			}
		}
		if t.kind != pdfTokKeyword {
			if len(ops) < 1<<16 {
				ops = append(ops, t)
			}
			continue
		}
		switch string(t.raw) {
		case "endcodespacerange":
			for i := 0; i+1 < len(ops); i += 2 {
				lo, hi := ops[i].str, ops[i+1].str
				if len(lo) > 0 && len(lo) <= 4 && len(lo) == len(hi) {
					m.spaces = append(m.spaces, pdfCMapRange{lo: pdfCode(lo), hi: pdfCode(hi), n: len(lo)})
				}
			}
		case "endbfchar":
			for i := 0; i+1 < len(ops); i += 2 {
				src, dst := ops[i], ops[i+1]
				if len(src.str) == 0 || len(src.str) > 4 {
					continue
				}
				var s string
				if dst.kind == pdfTokName {
					s = pdfGlyphName(string(dst.raw), 0, nil)
				} else {
					s = pdfUTF16(dst.str)
				}
				m.add(pdfCode(src.str), len(src.str), s)
			}
		case "endbfrange":
			m.bfrange(ops)
		}
		ops = ops[:0]
		if len(m.single) > 1<<20 {
			return m // enough: a CMap that large is an attack, not a font
		}
	}
}

func (m *pdfCMap) add(code uint32, n int, s string) {
	if len(m.single) < 1<<20 {
		m.single[uint64(n)<<32|uint64(code)] = s
	}
}

// bfrange handles "<lo> <hi> <dst>" and "<lo> <hi> [<d1> <d2> …]" triples.
// Arrays were parked at the end of m.ranges by the tokenizer loop.
func (m *pdfCMap) bfrange(ops []pdfTok) {
	var parked []pdfCMapRange
	for len(m.ranges) > 0 && m.ranges[len(m.ranges)-1].n == 0 {
		parked = append([]pdfCMapRange{m.ranges[len(m.ranges)-1]}, parked...)
		m.ranges = m.ranges[:len(m.ranges)-1]
	}
	for i := 0; i+2 < len(ops); i += 3 {
		loB, hiB, dst := ops[i].str, ops[i+1].str, ops[i+2]
		if len(loB) == 0 || len(loB) > 4 || len(loB) != len(hiB) {
			continue
		}
		r := pdfCMapRange{lo: pdfCode(loB), hi: pdfCode(hiB), n: len(loB)}
		if r.hi < r.lo || r.hi-r.lo > 1<<16 {
			continue
		}
		if dst.kind == pdfTokArrayOpen {
			if len(parked) == 0 {
				continue
			}
			r.arr, parked = parked[0].arr, parked[1:]
		} else {
			b := dst.str
			for j := 0; j+1 < len(b); j += 2 {
				r.base = append(r.base, uint16(b[j])<<8|uint16(b[j+1]))
			}
			if len(r.base) == 0 {
				continue
			}
		}
		if r.hi-r.lo < pdfMaxCMapExpand {
			for c := r.lo; c <= r.hi; c++ {
				if s, ok := r.at(c); ok {
					m.add(c, r.n, s)
				}
			}
			continue
		}
		m.ranges = append(m.ranges, r)
	}
}

// at is the text of code c in range r.
func (r *pdfCMapRange) at(c uint32) (string, bool) {
	off := int(c - r.lo)
	if r.arr != nil {
		if off < len(r.arr) {
			return r.arr[off], true
		}
		return "", false
	}
	u := append([]uint16(nil), r.base...)
	u[len(u)-1] += uint16(off)
	return string(utf16.Decode(u)), true
}

// lookup returns the text of an n-byte code; m may be nil.
func (m *pdfCMap) lookup(code uint32, n int) (string, bool) {
	if m == nil {
		return "", false
	}
	if s, ok := m.single[uint64(n)<<32|uint64(code)]; ok {
		return s, true
	}
	for i := range m.ranges {
		r := &m.ranges[i]
		if r.n == n && code >= r.lo && code <= r.hi {
			return r.at(code)
		}
	}
	return "", false
}

// codeLen is the length of the code at the start of raw by the codespace
// ranges, or 0 when none matches.
func (m *pdfCMap) codeLen(raw []byte) int {
	for n := 1; n <= 4 && n <= len(raw); n++ {
		c := pdfCode(raw[:n])
		for _, s := range m.spaces {
			if s.n == n && c >= s.lo && c <= s.hi {
				return n
			}
		}
	}
	return 0
}
