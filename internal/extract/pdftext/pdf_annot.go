package pdftext

import (
	"math"

	"github.com/ledongthuc/pdf"
)

// annotations draws the normal appearance of each visible annotation, as
// viewers and pdftotext do: it holds the values of filled-in form fields.
func (p *pdfPageText) annotations(annots, res pdf.Value) {
	for i := range min(annots.Len(), pdfMaxForms) {
		if p.full || p.forms >= pdfMaxForms {
			return
		}
		func() {
			defer func() {
				if r := recover(); r != nil {
					if _, ok := r.(pdfAbort); ok {
						panic(r)
					}
					// one broken annotation costs only its own text
				}
			}()
			p.annotation(annots.Index(i), res)
		}()
	}
}

func (p *pdfPageText) annotation(a, res pdf.Value) {
	const hidden, noView = 1 << 1, 1 << 5
	if f := a.Key("F").Int64(); f&(hidden|noView) != 0 {
		return
	}
	ap := a.Key("AP").Key("N")
	if ap.Kind() == pdf.Dict { // one appearance per state: take the current one
		ap = ap.Key(a.Key("AS").Name())
	}
	rect := pdfRect(a.Key("Rect"))
	if ap.Kind() != pdf.Stream || rect == [4]float64{} {
		return
	}
	m := pdfIdentity
	if mv := ap.Key("Matrix"); mv.Len() == 6 {
		for i := range 6 {
			m[i] = mv.Index(i).Float64()
		}
	}
	// Map the transformed bounding box onto the annotation's rectangle
	// (PDF 32000-1, 12.5.5).
	bb := pdfRect(ap.Key("BBox"))
	x0, y0, x1, y1 := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, c := range [][2]float64{{bb[0], bb[1]}, {bb[0], bb[3]}, {bb[2], bb[1]}, {bb[2], bb[3]}} {
		x, y := c[0]*m[0]+c[1]*m[2]+m[4], c[0]*m[1]+c[1]*m[3]+m[5]
		x0, y0, x1, y1 = min(x0, x), min(y0, y), max(x1, x), max(y1, y)
	}
	if !(x1-x0 > 0 && y1-y0 > 0) {
		return
	}
	sx, sy := (rect[2]-rect[0])/(x1-x0), (rect[3]-rect[1])/(y1-y0)
	fit := pdfMatrix{sx, 0, 0, sy, rect[0] - x0*sx, rect[1] - y0*sy}
	xres := ap.Key("Resources")
	if xres.Kind() != pdf.Dict {
		xres = res
	}
	p.forms++
	p.run(ap, xres, m.mul(fit), 1)
}

// pdfRect normalises a rectangle array; zero when it is not one.
func pdfRect(v pdf.Value) [4]float64 {
	if v.Len() != 4 {
		return [4]float64{}
	}
	a, b, c, d := v.Index(0).Float64(), v.Index(1).Float64(), v.Index(2).Float64(), v.Index(3).Float64()
	r := [4]float64{min(a, c), min(b, d), max(a, c), max(b, d)}
	if !(r[2]-r[0] > 0 && r[3]-r[1] > 0) {
		return [4]float64{}
	}
	return r
}
