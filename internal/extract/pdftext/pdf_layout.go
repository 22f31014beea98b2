package pdftext

import (
	"math"
	"sort"
	"strings"
)

// Layout turns a page's spans into lines and lines into blocks with cheap,
// local rules, tuned against pdftotext on the shared corpus:
//
//   - spans whose baselines are within 0.4 of the font size form a line
//     (superscripts stay on theirs);
//   - along a line, a gap wider than pdfSpaceGap of the font size is a
//     space, and one wider than pdfColumnGap splits the line into
//     segments, so table cells and side-by-side columns stay apart;
//   - a segment continues the block above it when it overlaps it
//     horizontally, has about the same font size and sits at most
//     pdfParaGap times the usual line spacing lower; a bigger gap, a font
//     size change, a bullet or a number ("2.1 Abteilung …") starts a new
//     block, and a numbered heading ends its block unless it wraps.

const (
	pdfSpaceGap  = 0.12
	pdfColumnGap = 2.5
	pdfParaGap   = 1.28
)

// pdfLine is one line of a page, split into segments at wide gaps.
type pdfLine struct {
	v    float64 // baseline, in the frame of rot
	size float64 // largest segment font size
	rot  uint8
	segs []pdfSeg
}

// pdfSeg is a run of text on a line without a wide gap.
type pdfSeg struct {
	u0, u1 float64
	size   float64 // font size of most of its text
	bold   bool    // most of its text is bold
	text   string
}

func (l pdfLine) text() string {
	if len(l.segs) == 1 {
		return l.segs[0].text
	}
	parts := make([]string, len(l.segs))
	for i, s := range l.segs {
		parts[i] = s.text
	}
	return strings.Join(parts, " ")
}

// pdfBuildLines groups spans into lines, top to bottom, text direction by
// text direction (the one with most text first).
func pdfBuildLines(spans []pdfSpan) []pdfLine {
	var chars [4]int
	for _, s := range spans {
		chars[s.rot&3] += len(s.text)
	}
	rots := []uint8{0, 1, 2, 3}
	sort.SliceStable(rots, func(i, j int) bool { return chars[rots[i]] > chars[rots[j]] })
	var lines []pdfLine
	for _, rot := range rots {
		if chars[rot] == 0 {
			continue
		}
		var sub []pdfSpan
		for _, s := range spans {
			if s.rot == rot {
				sub = append(sub, s)
			}
		}
		sort.SliceStable(sub, func(i, j int) bool {
			if sub[i].v != sub[j].v {
				return sub[i].v > sub[j].v
			}
			return sub[i].u0 < sub[j].u0
		})
		for start := 0; start < len(sub); {
			base, size := sub[start].v, sub[start].size
			end := start + 1
			for end < len(sub) && math.Abs(sub[end].v-base) <= 0.4*max(size, sub[end].size) {
				if sub[end].size > size {
					base, size = sub[end].v, sub[end].size
				}
				end++
			}
			if l, ok := pdfMakeLine(sub[start:end], base, rot); ok {
				lines = append(lines, l)
			}
			start = end
		}
	}
	return lines
}

// pdfMakeLine joins the spans of one line, left to right.
func pdfMakeLine(spans []pdfSpan, base float64, rot uint8) (pdfLine, bool) {
	sort.SliceStable(spans, func(i, j int) bool { return spans[i].u0 < spans[j].u0 })
	line := pdfLine{v: base, rot: rot}
	var sb strings.Builder
	var seg pdfSeg
	var sized, boldChars, chars float64
	var prev *pdfSpan
	flush := func() {
		seg.text = strings.TrimSpace(sb.String())
		if seg.text != "" {
			seg.bold = boldChars*2 > chars
			line.segs = append(line.segs, seg)
			line.size = max(line.size, seg.size)
		}
		sb.Reset()
		seg, sized, boldChars, chars = pdfSeg{}, 0, 0, 0
	}
	for i := range spans {
		s := &spans[i]
		if prev != nil {
			size := max(s.size, prev.size, 1)
			gap := s.u0 - seg.u1
			switch {
			case s.text == prev.text && s.u0 < prev.u1-0.5*(prev.u1-prev.u0) &&
				math.Abs(s.u0-prev.u0) < 0.15*size && math.Abs(s.v-prev.v) < 0.15*size:
				continue // drawn twice, slightly offset, for a bold effect
			case gap > pdfColumnGap*size:
				flush()
			case gap > pdfSpaceGap*size && !strings.HasSuffix(sb.String(), " ") && !strings.HasPrefix(s.text, " "):
				sb.WriteByte(' ')
			}
		}
		if sb.Len() == 0 {
			seg.u0 = s.u0
		}
		sb.WriteString(s.text)
		seg.u1 = max(seg.u1, s.u1)
		if n := float64(len(s.text)); n > sized {
			seg.size, sized = s.size, n
		}
		chars += float64(len(s.text))
		if s.bold {
			boldChars += float64(len(s.text))
		}
		prev = s
	}
	flush()
	return line, len(line.segs) > 0
}

// pdfLeading is the most common baseline distance between consecutive
// lines of the same font size, as a multiple of that size; 1.2 if the
// pages give no evidence.
func pdfLeading(pages [][]pdfLine) float64 {
	hist := map[int]int{}
	for _, lines := range pages {
		for i := 1; i < len(lines); i++ {
			a, b := lines[i-1], lines[i]
			if a.rot != b.rot || a.size <= 0 || math.Abs(a.size-b.size) > 0.05*a.size {
				continue
			}
			r := (a.v - b.v) / a.size
			if r > 0.9 && r < 2.5 {
				hist[int(math.Round(r*20))]++
			}
		}
	}
	best, n := 24, 0
	for k, c := range hist {
		if c > n || c == n && k < best {
			best, n = k, c
		}
	}
	return float64(best) / 20
}

// pdfBodySize is the font size of most of the text, rounded to half points.
func pdfBodySize(pages [][]pdfLine) float64 {
	hist := map[int]int{}
	for _, lines := range pages {
		for _, l := range lines {
			for _, s := range l.segs {
				hist[int(math.Round(s.size*2))] += len(s.text)
			}
		}
	}
	best, n := 20, 0
	for k, c := range hist {
		if c > n || c == n && k < best {
			best, n = k, c
		}
	}
	return float64(best) / 2
}

// pdfBlock is a block under construction.
type pdfBlock struct {
	kind     BlockKind
	lines    []string
	u0, u1   float64 // extent of the last segment
	lastV    float64
	size     float64
	rot      uint8
	bold     bool
	numbered int  // heading level from numbering, 0 if none
	alone    bool // its first line has no other segment
	wraps    bool // its first line runs to the right edge of the text
	done     bool
}

// pdfBuildBlocks turns one page's lines into blocks.
func pdfBuildBlocks(lines []pdfLine, page int, body, lead float64) []Block {
	var blocks []*pdfBlock
	var open []*pdfBlock
	left, right := math.Inf(1), math.Inf(-1) // the text's extent on the page
	for _, ln := range lines {
		for _, sg := range ln.segs {
			if ln.rot == 0 {
				left, right = min(left, sg.u0), max(right, sg.u1)
			}
		}
	}
	for _, ln := range lines {
		for _, sg := range ln.segs {
			size := max(sg.size, 1)
			var best *pdfBlock
			bestGap := math.Inf(1)
			for _, b := range open {
				gap := b.lastV - ln.v
				if b.done || b.rot != ln.rot || gap < 0.5*size || gap > pdfParaGap*lead*max(size, b.size) ||
					math.Abs(b.size-size) > 0.15*max(size, b.size) ||
					sg.u0 > b.u1+size || sg.u1 < b.u0-size ||
					(b.bold && !sg.bold && len(b.lines) == 1) {
					continue
				}
				if gap < bestGap {
					best, bestGap = b, gap
				}
			}
			kind, level := pdfLineKind(sg.text)
			if best == nil || kind != Paragraph || level > 0 || pdfNumberRe.MatchString(sg.text) {
				best = &pdfBlock{kind: kind, size: size, rot: ln.rot, bold: sg.bold, numbered: level}
				// A numbered heading ends with its line, unless the line
				// runs to the right edge of the text or ends in a dash or
				// comma: then it wraps.
				full := sg.u1 >= right-0.1*(right-left)
				wraps := full || strings.HasSuffix(sg.text, "–") || strings.HasSuffix(sg.text, "-") || strings.HasSuffix(sg.text, ",")
				best.done = level > 0 && !wraps
				best.alone, best.wraps = len(ln.segs) == 1, full
				blocks = append(blocks, best)
				open = append(open, best)
			}
			best.lines = append(best.lines, sg.text)
			best.u0, best.u1, best.lastV = sg.u0, sg.u1, ln.v
			best.bold = best.bold && sg.bold
		}
		// Forget blocks too far above to be continued.
		keep := open[:0]
		for _, b := range open {
			if !b.done && b.lastV-ln.v <= 3*lead*max(b.size, ln.size) {
				keep = append(keep, b)
			}
		}
		open = keep
	}
	out := make([]Block, 0, len(blocks))
	for _, b := range blocks {
		text := pdfJoinLines(b.lines)
		kind, level := b.kind, 0
		if kind == Paragraph {
			if level = pdfHeadingLevel(b, text, body); level > 0 {
				kind = Heading
			}
		}
		n := len(out)
		if out = appendBlock(out, kind, level, text); len(out) > n {
			out[n].Page = page
		}
	}
	return out
}
