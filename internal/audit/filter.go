package audit

import (
	"fmt"
	"time"
)

// ParseTime reads a bound of a Filter as the API and the CLI take it: an
// RFC 3339 time, or a date (YYYY-MM-DD). A date as the upper bound (end)
// means the end of that day: To is exclusive, so it is the next midnight.
// "" is the zero time, no bound.
func ParseTime(v string, end bool) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.DateOnly, v)
	if err != nil {
		return t, fmt.Errorf("%q is neither an RFC 3339 time nor a date (YYYY-MM-DD)", v)
	}
	if end {
		t = t.AddDate(0, 0, 1)
	}
	return t, nil
}

// ExportedEvent records an export of the rows matching f: reading the
// trail in bulk is itself an auditable act. It tells only whether an
// actor filter was set, not whom it named. via, when set, says where the
// export was made ("cli").
func ExportedEvent(f Filter, format string, rows int, via string) Event {
	details := map[string]any{"format": format, "rows": rows, "action": f.Action, "from": f.From, "to": f.To, "filtered_by_actor": f.Actor != ""}
	if via != "" {
		details["via"] = via
	}
	return Event{Action: ActionAuditExported, Target: "audit", Details: details}
}
