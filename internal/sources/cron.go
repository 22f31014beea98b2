package sources

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Cron is a parsed five-field cron expression (minute hour day-of-month
// month day-of-week), with *, numbers, ranges a-b, lists a,b and steps
// */n or a-b/n; day-of-week 0 or 7 is Sunday. As in classic cron, when
// both day fields are restricted a day matching either is due.
type Cron struct {
	fields   [5]uint64 // bit i set: value i allowed
	domStar  bool
	dowStar  bool
	original string
}

var cronRanges = [5][2]int{{0, 59}, {0, 23}, {1, 31}, {1, 12}, {0, 7}}

// ParseCron parses expr.
func ParseCron(expr string) (Cron, error) {
	parts := strings.Fields(expr)
	if len(parts) != 5 {
		return Cron{}, errors.New("cron: want five fields: minute hour day-of-month month day-of-week")
	}
	c := Cron{original: expr, domStar: parts[2] == "*", dowStar: parts[4] == "*"}
	for i, p := range parts {
		bits, err := cronField(p, cronRanges[i][0], cronRanges[i][1])
		if err != nil {
			return Cron{}, fmt.Errorf("cron: field %d %q: %w", i+1, p, err)
		}
		c.fields[i] = bits
	}
	if c.fields[4]&(1<<7) != 0 {
		c.fields[4] |= 1 // 7 is Sunday too
	}
	return c, nil
}

func cronField(s string, lo, hi int) (uint64, error) {
	var bits uint64
	for item := range strings.SplitSeq(s, ",") {
		rng, stepStr, hasStep := strings.Cut(item, "/")
		step := 1
		if hasStep {
			n, err := strconv.Atoi(stepStr)
			if err != nil || n < 1 {
				return 0, errors.New("bad step")
			}
			step = n
		}
		a, b := lo, hi
		if rng != "*" {
			as, bs, isRange := strings.Cut(rng, "-")
			var err error
			if a, err = strconv.Atoi(as); err != nil {
				return 0, errors.New("not a number")
			}
			b = a
			if isRange {
				if b, err = strconv.Atoi(bs); err != nil {
					return 0, errors.New("not a number")
				}
			} else if hasStep {
				b = hi
			}
		}
		if a < lo || b > hi || a > b {
			return 0, fmt.Errorf("out of range %d-%d", lo, hi)
		}
		for v := a; v <= b; v += step {
			bits |= 1 << v
		}
	}
	return bits, nil
}

func (c Cron) String() string { return c.original }

// Next returns the first minute after t that the expression matches, in
// t's location; the zero time when none comes within five years (31 Feb).
func (c Cron) Next(t time.Time) time.Time {
	t = t.Truncate(time.Minute).Add(time.Minute)
	end := t.AddDate(5, 0, 0)
	for t.Before(end) {
		if c.fields[3]&(1<<int(t.Month())) == 0 {
			t = time.Date(t.Year(), t.Month()+1, 1, 0, 0, 0, 0, t.Location())
			continue
		}
		if !c.dayMatches(t) {
			t = time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, t.Location())
			continue
		}
		if c.fields[1]&(1<<t.Hour()) == 0 {
			t = t.Truncate(time.Hour).Add(time.Hour)
			continue
		}
		if c.fields[0]&(1<<t.Minute()) == 0 {
			t = t.Add(time.Minute)
			continue
		}
		return t
	}
	return time.Time{}
}

func (c Cron) dayMatches(t time.Time) bool {
	dom := c.fields[2]&(1<<t.Day()) != 0
	dow := c.fields[4]&(1<<int(t.Weekday())) != 0
	switch {
	case c.domStar && c.dowStar:
		return true
	case c.domStar:
		return dow
	case c.dowStar:
		return dom
	}
	return dom || dow
}
