// Package benchmark states the targets the project's benchmarks measure
// themselves against and reports, for each run, whether they were met.
//
// A benchmark that has a target calls Target once per measured figure. The
// result is a line of the form
//
//	TARGET|measure|ours|anchor|ratio|target|met
//
// in the benchmark's log, which scripts/bench.sh (`make bench`) collects
// from every benchmark into one table, and a metric with the ratio, so
// that benchstat sees it too. The line is what makes a target honest: a
// benchmark that only prints its figures leaves the comparison to the
// reader, who rarely makes it.
package benchmark

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strings"
	"testing"
	"unicode/utf8"
)

// Goal is the direction of a target: the ratio ours/anchor (or the figure
// itself, when there is no anchor) must stay at most or at least Limit.
type Goal struct {
	AtMost bool    // true: ratio ≤ Limit; false: ratio ≥ Limit
	Limit  float64 // the bound on the ratio (or on the figure)
}

// AtMost is a goal of a ratio (or figure) no greater than limit.
func AtMost(limit float64) Goal { return Goal{AtMost: true, Limit: limit} }

// AtLeast is a goal of a ratio (or figure) no smaller than limit.
func AtLeast(limit float64) Goal { return Goal{Limit: limit} }

// Met reports whether v keeps the goal. NaN (nothing measured) never does.
func (g Goal) Met(v float64) bool {
	if math.IsNaN(v) {
		return false
	}
	if g.AtMost {
		return v <= g.Limit
	}
	return v >= g.Limit
}

func (g Goal) String() string {
	if g.AtMost {
		return "≤ " + trim(g.Limit)
	}
	return "≥ " + trim(g.Limit)
}

// Figure is one measured value with its unit, e.g. 12.5 "ms".
type Figure struct {
	Value float64
	Unit  string
}

func (f Figure) String() string {
	if math.IsNaN(f.Value) {
		return "-"
	}
	return strings.TrimSpace(trim(f.Value) + " " + f.Unit)
}

// None is the anchor of a target that has none: the goal then bounds our
// figure itself.
var None = Figure{Value: math.NaN()}

// Result is one row of the table.
type Result struct {
	Measure      string
	Ours, Anchor Figure
	Ratio        float64 // ours/anchor; our value when there is no anchor
	Goal         Goal
}

// Met reports whether the result keeps its goal.
func (r Result) Met() bool { return r.Goal.Met(r.Ratio) }

// Line is the result as the TARGET line scripts/bench.sh parses.
func (r Result) Line() string {
	met := "NOT MET"
	if r.Met() {
		met = "met"
	}
	ratio := "-"
	if !math.IsNaN(r.Anchor.Value) {
		ratio = trim(r.Ratio) + "×"
	}
	return strings.Join([]string{"TARGET", r.Measure, r.Ours.String(), r.Anchor.String(), ratio, r.Goal.String(), met}, "|")
}

// Compare builds the result of ours against anchor: the ratio is
// ours/anchor, or ours alone when anchor is None.
func Compare(measure string, ours, anchor Figure, goal Goal) Result {
	r := Result{Measure: measure, Ours: ours, Anchor: anchor, Goal: goal, Ratio: ours.Value}
	if !math.IsNaN(anchor.Value) {
		r.Ratio = ours.Value / anchor.Value
	}
	return r
}

// Speedup builds the result of how many times faster ours is than anchor
// (both durations, or both costs): the ratio is anchor/ours.
func Speedup(measure string, ours, anchor Figure, goal Goal) Result {
	r := Result{Measure: measure, Ours: ours, Anchor: anchor, Goal: goal, Ratio: anchor.Value / ours.Value}
	return r
}

// Record logs a figure that has no target (a point of a growth table) as
// a row of the table, with "-" for the anchor, ratio, target and verdict.
func Record(b testing.TB, measure string, ours Figure) {
	b.Helper()
	b.Log(strings.Join([]string{"TARGET", measure, ours.String(), "-", "-", "-", "-"}, "|"))
}

// Target logs the result's TARGET line and reports its ratio as a metric
// named after the measure, and returns whether the goal was met. It never
// fails the benchmark: a target missed on a loaded machine is a figure to
// report, not a broken build.
func Target(b testing.TB, r Result) bool {
	b.Helper()
	b.Log(r.Line())
	if rb, ok := b.(*testing.B); ok && !math.IsNaN(r.Ratio) {
		rb.ReportMetric(r.Ratio, metricName(r.Measure))
	}
	return r.Met()
}

// metricName turns a measure into a metric unit without spaces.
func metricName(measure string) string {
	return "target:" + strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '|' {
			return '_'
		}
		return r
	}, measure)
}

// trim formats v with at most three significant decimals and no trailing
// zeros.
func trim(v float64) string {
	s := fmt.Sprintf("%.3g", v)
	if math.Abs(v) >= 1000 {
		s = fmt.Sprintf("%.0f", v)
	}
	return s
}

// Table reads TARGET lines (anything before "TARGET|" on a line is left
// out, as is every line without it) and writes them to w as one Markdown
// table: measure, ours, anchor, ratio, target, met. It returns how many
// rows missed their target or failed (a verdict other than "met" or "-").
func Table(r io.Reader, w io.Writer) (missed int, err error) {
	head := []string{"measure", "ours", "anchor", "ratio", "target", "met"}
	rows := [][]string{head}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		_, line, ok := strings.Cut(sc.Text(), "TARGET|")
		if !ok {
			continue
		}
		cells := strings.Split(line, "|")
		if len(cells) != len(head) {
			continue
		}
		if v := cells[len(cells)-1]; v != "met" && v != "-" {
			missed++
		}
		rows = append(rows, cells)
	}
	if err := sc.Err(); err != nil {
		return missed, err
	}
	width := make([]int, len(head))
	for _, row := range rows {
		for i, c := range row {
			width[i] = max(width[i], utf8.RuneCountInString(c))
		}
	}
	for n, row := range rows {
		var b strings.Builder
		for i, c := range row {
			fmt.Fprintf(&b, "| %s%s ", c, strings.Repeat(" ", width[i]-utf8.RuneCountInString(c)))
		}
		b.WriteString("|\n")
		if n == 0 {
			for i := range row {
				b.WriteString("|" + strings.Repeat("-", width[i]+2))
			}
			b.WriteString("|\n")
		}
		if _, err := io.WriteString(w, b.String()); err != nil {
			return missed, err
		}
	}
	return missed, nil
}
