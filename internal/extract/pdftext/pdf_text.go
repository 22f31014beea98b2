package pdftext

import (
	"context"
	"math"
	"strings"

	"github.com/ledongthuc/pdf"
)

// Limits that keep one page's extraction bounded whatever its content
// streams say. A page past one of them keeps the text read so far.
const (
	pdfMaxContent   = 64 << 20 // decoded bytes of one content stream
	pdfMaxOps       = 4_000_000
	pdfMaxSpans     = 200_000
	pdfMaxPageText  = 4 << 20 // bytes of text
	pdfMaxForms     = 2_000   // form XObjects drawn on one page
	pdfMaxFormDepth = 8
	pdfMaxStack     = 64 // operands kept before an operator
	pdfCtxEvery     = 4096
)

// pdfSpan is one shown string, placed in the frame of its text direction:
// u runs along the baseline, v across it (up), both in points.
type pdfSpan struct {
	u0, u1, v float64
	size      float64
	rot       uint8 // text direction in quarter turns counter-clockwise
	bold      bool
	text      string
}

// pdfMatrix is an affine transform [a b c d e f].
type pdfMatrix [6]float64

var pdfIdentity = pdfMatrix{1, 0, 0, 1, 0, 0}

// mul returns m×n: m applied first, then n.
func (m pdfMatrix) mul(n pdfMatrix) pdfMatrix {
	return pdfMatrix{
		m[0]*n[0] + m[1]*n[2], m[0]*n[1] + m[1]*n[3],
		m[2]*n[0] + m[3]*n[2], m[2]*n[1] + m[3]*n[3],
		m[4]*n[0] + m[5]*n[2] + n[4], m[4]*n[1] + m[5]*n[3] + n[5],
	}
}

type pdfGState struct {
	ctm                     pdfMatrix
	tc, tw, th, tl, tfs, ts float64
	font                    *pdfFont
}

// pdfPageText runs the content streams of one page and collects its spans.
type pdfPageText struct {
	ctx       context.Context
	file      *pdfFile
	fonts     *pdfFontCache
	formFonts pdf.Value // the AcroForm's default resources (/DR), for field appearances
	spans     []pdfSpan
	images    int // image XObjects drawn: a page of images and no text is a scan
	unmapped  int // glyphs drawn whose font maps them to no character
	ops       int
	forms     int
	bytes     int
	full      bool // a limit was reached
	tm, tlm   pdfMatrix
	gs        pdfGState
	stack     []pdfGState
	buf       []byte
	operands  []pdfOperand
	arrBuf    []pdfOperand // the array operand being read, reused
}

// pdfOperand is one operand of a content-stream operator.
type pdfOperand struct {
	kind pdfTokKind
	num  float64
	str  []byte
	arr  []pdfOperand // TJ arrays
}

// pdfAbort is panicked out of the interpreter when ctx is done.
type pdfAbort struct{ err error }

// run interprets content (a stream or an array of streams) with the given
// resources and starting transformation.
func (p *pdfPageText) run(content, resources pdf.Value, ctm pdfMatrix, depth int) {
	var data []byte
	if content.Kind() == pdf.Array {
		for i := range min(content.Len(), 4096) {
			part := p.file.content(content.Index(i), pdfMaxContent-int64(len(data)))
			data = append(append(data, part...), '\n')
		}
	} else {
		data = p.file.content(content, pdfMaxContent)
	}
	saved, savedStack := p.gs, len(p.stack)
	p.gs.ctm = ctm
	fonts := map[string]*pdfFont{}
	lx := pdfLexer{b: data}
	p.operands = p.operands[:0]
	for !p.full {
		t := lx.next()
		switch t.kind {
		case pdfTokEOF:
			p.gs, p.stack = saved, p.stack[:min(savedStack, len(p.stack))]
			return
		case pdfTokKeyword:
			p.ops++
			if p.ops%pdfCtxEvery == 0 {
				if err := p.ctx.Err(); err != nil {
					panic(pdfAbort{err})
				}
			}
			if p.ops > pdfMaxOps {
				p.full = true
			}
			op := string(t.raw) // op does not escape: no heap allocation
			if op == "BI" {
				pdfSkipInlineImage(&lx)
			} else {
				p.op(op, p.operands, resources, fonts, depth)
			}
			p.operands = p.operands[:0]
		case pdfTokArrayOpen:
			// One buffer serves every array: an array operand (TJ's) is
			// used up by the next operator.
			p.arrBuf = pdfReadArray(&lx, p.arrBuf[:0])
			p.push(pdfOperand{kind: pdfTokArrayOpen, arr: p.arrBuf})
		case pdfTokDictOpen:
			pdfSkipDict(&lx)
		case pdfTokName:
			p.push(pdfOperand{kind: t.kind, str: t.raw})
		default:
			p.push(pdfOperand{kind: t.kind, num: t.num, str: t.str})
		}
	}
	p.gs, p.stack = saved, p.stack[:min(savedStack, len(p.stack))]
}

func (p *pdfPageText) push(o pdfOperand) {
	if len(p.operands) < pdfMaxStack {
		p.operands = append(p.operands, o)
	}
}

func (p *pdfPageText) num(ops []pdfOperand, i int) float64 {
	if i >= 0 && i < len(ops) && ops[i].kind == pdfTokNum {
		return ops[i].num
	}
	return 0
}

func (p *pdfPageText) matrix(ops []pdfOperand) pdfMatrix {
	var m pdfMatrix
	for i := range 6 {
		m[i] = p.num(ops, len(ops)-6+i)
	}
	return m
}

// op executes one operator. Operands are taken from the end of ops, so a
// stray extra operand before them does no harm.
func (p *pdfPageText) op(op string, ops []pdfOperand, res pdf.Value, fonts map[string]*pdfFont, depth int) {
	last := func(k int) float64 { return p.num(ops, len(ops)-k) }
	g := &p.gs
	switch op {
	case "q":
		if len(p.stack) < 1024 {
			p.stack = append(p.stack, p.gs)
		}
	case "Q":
		if n := len(p.stack); n > 0 {
			p.gs, p.stack = p.stack[n-1], p.stack[:n-1]
		}
	case "cm":
		if len(ops) >= 6 {
			g.ctm = p.matrix(ops).mul(g.ctm)
		}
	case "BT":
		p.tm, p.tlm = pdfIdentity, pdfIdentity
	case "Tc":
		g.tc = last(1)
	case "Tw":
		g.tw = last(1)
	case "Tz":
		g.th = last(1) / 100
	case "TL":
		g.tl = last(1)
	case "Ts":
		g.ts = last(1)
	case "Tf":
		g.tfs = last(1)
		if len(ops) >= 2 && ops[len(ops)-2].kind == pdfTokName {
			g.font = p.font(string(ops[len(ops)-2].str), res, fonts)
		}
	case "Td":
		p.moveLine(last(2), last(1))
	case "TD":
		g.tl = -last(1)
		p.moveLine(last(2), last(1))
	case "Tm":
		if len(ops) >= 6 {
			p.tm = p.matrix(ops)
			p.tlm = p.tm
		}
	case "T*":
		p.moveLine(0, -g.tl)
	case "'", "\"":
		if op == "\"" && len(ops) >= 3 {
			g.tw, g.tc = ops[len(ops)-3].num, ops[len(ops)-2].num
		}
		p.moveLine(0, -g.tl)
		fallthrough
	case "Tj":
		if n := len(ops); n > 0 && ops[n-1].kind == pdfTokString {
			p.show(ops[n-1].str)
		}
	case "TJ":
		if n := len(ops); n > 0 && ops[n-1].kind == pdfTokArrayOpen {
			for _, e := range ops[n-1].arr {
				if e.kind == pdfTokString {
					p.show(e.str)
				} else {
					p.advance(-e.num / 1000 * g.tfs * g.th)
				}
			}
		}
	case "Do":
		if n := len(ops); n > 0 && ops[n-1].kind == pdfTokName {
			p.xobject(string(ops[n-1].str), res, depth)
		}
	}
}

func (p *pdfPageText) moveLine(tx, ty float64) {
	p.tlm = pdfMatrix{1, 0, 0, 1, tx, ty}.mul(p.tlm)
	p.tm = p.tlm
}

func (p *pdfPageText) advance(tx float64) {
	p.tm[4] += tx * p.tm[0]
	p.tm[5] += tx * p.tm[1]
}

func (p *pdfPageText) font(name string, res pdf.Value, fonts map[string]*pdfFont) *pdfFont {
	if f, ok := fonts[name]; ok {
		return f
	}
	v := res.Key("Font").Key(name)
	if v.Kind() != pdf.Dict {
		// Form field appearances often name fonts ("ZaDb", "Helv") that
		// only the form's default resources define.
		v = p.formFonts.Key("Font").Key(name)
	}
	f := p.fonts.get(v)
	fonts[name] = f
	return f
}

// xobject draws a form XObject (recursively, bounded) or counts an image.
func (p *pdfPageText) xobject(name string, res pdf.Value, depth int) {
	x := res.Key("XObject").Key(name)
	switch x.Key("Subtype").Name() {
	case "Image":
		p.images++
	case "Form":
		if depth >= pdfMaxFormDepth || p.forms >= pdfMaxForms {
			return
		}
		p.forms++
		m := pdfIdentity
		if mv := x.Key("Matrix"); mv.Len() == 6 {
			for i := range 6 {
				m[i] = mv.Index(i).Float64()
			}
		}
		xres := x.Key("Resources")
		if xres.Kind() != pdf.Dict {
			xres = res
		}
		tm, tlm := p.tm, p.tlm
		p.run(x, xres, m.mul(p.gs.ctm), depth+1)
		p.tm, p.tlm = tm, tlm
	}
}

// show decodes one string, records it as a span and moves the text
// position past it.
func (p *pdfPageText) show(raw []byte) {
	g := &p.gs
	f := g.font
	if f == nil {
		f = pdfFallbackFont
	}
	th := g.th
	p.buf = p.buf[:0]
	adv := 0.0
	for i := 0; i < len(raw); {
		code, n := f.nextCode(raw[i:])
		i += n
		adv += f.width(code)*f.wscale*g.tfs + g.tc
		if n == 1 && code == ' ' {
			adv += g.tw
		}
		t := f.text(code, n)
		if t == "" {
			p.unmapped++
		}
		p.buf = append(p.buf, t...)
	}
	adv *= th
	m := p.tm.mul(g.ctm)
	x0, y0 := g.ts*m[2]+m[4], g.ts*m[3]+m[5]
	p.advance(adv)
	if p.full || len(p.buf) == 0 {
		return
	}
	size := math.Abs(g.tfs) * math.Hypot(m[2], m[3])
	dx, dy := adv*m[0], adv*m[1]
	rot := pdfRotation(m[0], m[1])
	u0, v := pdfToFrame(x0, y0, rot)
	u1, _ := pdfToFrame(x0+dx, y0+dy, rot)
	if u1 < u0 {
		u0, u1 = u1, u0
	}
	text := pdfSpanText(p.buf)
	if strings.TrimSpace(text) == "" {
		// Spaces are not recorded: the gap they leave says the same, and a
		// space drawn in another size or at another height would glue
		// itself into the middle of a neighbouring word.
		return
	}
	p.spans = append(p.spans, pdfSpan{u0: u0, u1: u1, v: v, size: size, rot: rot, bold: f.bold, text: text})
	p.bytes += len(text)
	if len(p.spans) >= pdfMaxSpans || p.bytes >= pdfMaxPageText {
		p.full = true
	}
}

// pdfRotation buckets a baseline direction into quarter turns.
func pdfRotation(dx, dy float64) uint8 {
	if dx == 0 && dy == 0 {
		return 0
	}
	a := math.Atan2(dy, dx) / (math.Pi / 2)
	return uint8((int(math.Round(a)) + 4) % 4)
}

// pdfToFrame rotates a point by -rot quarter turns, so that text of that
// direction runs left to right and v grows upwards, as y does for upright
// text.
func pdfToFrame(x, y float64, rot uint8) (u, v float64) {
	switch rot {
	case 1:
		return y, -x
	case 2:
		return -x, -y
	case 3:
		return -y, x
	}
	return x, y
}
