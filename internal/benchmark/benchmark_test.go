package benchmark

import (
	"math"
	"strings"
	"testing"
)

// TestTargetLine checks the line scripts/bench.sh parses: both directions
// of a goal, a missed target, and a target without an anchor.
func TestTargetLine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		r    Result
		want string
		met  bool
	}{
		{"ratio at most, met", Compare("hybrid p50 / KNN p50", Figure{8, "ms"}, Figure{4, "ms"}, AtMost(2)),
			"TARGET|hybrid p50 / KNN p50|8 ms|4 ms|2×|≤ 2|met", true},
		{"ratio at most, missed", Compare("hybrid p95 / KNN p95", Figure{12.5, "ms"}, Figure{4, "ms"}, AtMost(2)),
			"TARGET|hybrid p95 / KNN p95|12.5 ms|4 ms|3.12×|≤ 2|NOT MET", false},
		{"ratio at least", Compare("insert rate vs langchaingo", Figure{3000, "rows/s"}, Figure{1000, "rows/s"}, AtLeast(3)),
			"TARGET|insert rate vs langchaingo|3000 rows/s|1000 rows/s|3×|≥ 3|met", true},
		{"speed-up", Speedup("vector retrieval vs langchaingo", Figure{2, "ms"}, Figure{150, "ms"}, AtLeast(50)),
			"TARGET|vector retrieval vs langchaingo|2 ms|150 ms|75×|≥ 50|met", true},
		{"no anchor", Compare("failed streams", Figure{0, ""}, None, AtMost(0)),
			"TARGET|failed streams|0|-|-|≤ 0|met", true},
		{"nothing measured", Compare("x", Figure{math.NaN(), "ms"}, None, AtMost(1)),
			"TARGET|x|-|-|-|≤ 1|NOT MET", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := tc.r.Line(); got != tc.want {
				t.Errorf("Line() = %q, want %q", got, tc.want)
			}
			if got := tc.r.Met(); got != tc.met {
				t.Errorf("Met() = %v, want %v", got, tc.met)
			}
		})
	}
}

// TestTableCountsMissedTargets: the table `make bench` prints keeps every
// TARGET line (with whatever the test log put before it), aligns the
// columns by characters (≤ and × are one each), and counts what was not
// met.
func TestTableCountsMissedTargets(t *testing.T) {
	t.Parallel()
	in := strings.Join([]string{
		"goos: linux",
		"    retrieve_bench_test.go:211: TARGET|hybrid / KNN p50|8 ms|4 ms|2×|≤ 2|met",
		"    bench_test.go:240: TARGET|insert rate|900 rows/s|1000 rows/s|0.9×|≥ 3|NOT MET",
		"TARGET|knn p50, 10k chunks|1.2 ms|-|-|-|-",
		"TARGET|retrieve-300000 (see log)|-|-|-|-|FAILED",
		"PASS",
	}, "\n")
	var out strings.Builder
	missed, err := Table(strings.NewReader(in), &out)
	if err != nil {
		t.Fatal(err)
	}
	if missed != 2 {
		t.Errorf("missed = %d, want 2 (one NOT MET, one FAILED)", missed)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 6 {
		t.Fatalf("table has %d lines, want header, rule and 4 rows:\n%s", len(lines), out.String())
	}
	for _, l := range lines[1:] {
		if n, m := len([]rune(l)), len([]rune(lines[0])); n != m {
			t.Errorf("line %q is %d characters wide, header %d", l, n, m)
		}
	}
	if !strings.HasPrefix(lines[2], "| hybrid / KNN p50 ") {
		t.Errorf("first row = %q", lines[2])
	}
}
