package audit_test

import (
	"testing"
	"time"

	"github.com/civitas-eu/civitas/internal/audit"
)

func TestParseTime(t *testing.T) {
	t.Parallel()
	day := time.Date(2025, 3, 4, 0, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		in      string
		end     bool
		want    time.Time
		wantErr bool
	}{
		{"", false, time.Time{}, false},
		{"", true, time.Time{}, false},
		{"2025-03-04T10:30:00Z", false, day.Add(10*time.Hour + 30*time.Minute), false},
		{"2025-03-04T10:30:00Z", true, day.Add(10*time.Hour + 30*time.Minute), false},
		{"2025-03-04", false, day, false},
		{"2025-03-04", true, day.AddDate(0, 0, 1), false}, // through that day
		{"04.03.2025", false, time.Time{}, true},
	} {
		got, err := audit.ParseTime(tt.in, tt.end)
		if (err != nil) != tt.wantErr || (err == nil && !got.Equal(tt.want)) {
			t.Errorf("ParseTime(%q, %v) = %v, %v; want %v, error %v", tt.in, tt.end, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestCommandActor(t *testing.T) {
	t.Parallel()
	env := func(v string) func(string) string { return func(string) string { return v } }
	for _, tt := range []struct {
		getenv func(string) string
		want   string
	}{{env("alice"), "ingest:alice"}, {env(""), "ingest"}, {nil, "ingest"}} {
		if got := audit.CommandActor("ingest", tt.getenv); got != tt.want {
			t.Errorf("CommandActor = %q, want %q", got, tt.want)
		}
	}
}

func TestExportedEvent(t *testing.T) {
	t.Parallel()
	f := audit.Filter{Actor: "alice", Action: "document."}
	ev := audit.ExportedEvent(f, "csv", 3, "")
	d := ev.Details.(map[string]any)
	if ev.Action != audit.ActionAuditExported || ev.Target != "audit" || d["filtered_by_actor"] != true || d["rows"] != 3 || d["action"] != "document." {
		t.Errorf("ExportedEvent = %+v", ev)
	}
	if _, ok := d["via"]; ok {
		t.Error("via is set without being asked for")
	}
	for _, v := range d {
		if v == "alice" {
			t.Error("the event names the actor filtered by")
		}
	}
	if d := audit.ExportedEvent(f, "json", 0, "cli").Details.(map[string]any); d["via"] != "cli" {
		t.Errorf("via = %v", d["via"])
	}
}
