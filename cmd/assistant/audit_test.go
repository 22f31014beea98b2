package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"strings"
	"testing"

	"github.com/civitas-eu/civitas/internal/audit"
	"github.com/civitas-eu/civitas/internal/dbtest"
)

func cliEnv(t *testing.T) func(string) string {
	t.Helper()
	env := map[string]string{
		"CIVITAS_DATABASE_URL": dbtest.URL(t),
		"CIVITAS_OLLAMA_URL":   os.Getenv("CIVITAS_TEST_OLLAMA_URL"),
		"USER":                 "operator",
	}
	if env["CIVITAS_OLLAMA_URL"] == "" {
		env["CIVITAS_OLLAMA_URL"] = "http://127.0.0.1:11434"
	}
	return func(k string) string { return env[k] }
}

// TestAuditCommands runs `assistant audit verify` and `audit export` as an
// operator would, against the test database's trail.
func TestAuditCommands(t *testing.T) {
	pool := dbtest.Migrated(t)
	marker := dbtest.SchemaName()
	if _, err := audit.Append(context.Background(), pool, audit.Event{Action: "test.cli", Target: marker, Actor: "tester"}); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	m := &Main{Stdout: &out, Stderr: &out, Getenv: cliEnv(t)}
	if err := m.Run(context.Background(), []string{"audit", "verify"}); err != nil {
		t.Fatalf("audit verify: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "audit chain verified") || !strings.Contains(out.String(), "head: row") {
		t.Errorf("verify printed %q", out.String())
	}

	out.Reset()
	if err := m.Run(context.Background(), []string{"audit", "export", "--format", "csv", "--action", "test.cli", "--actor", "tester"}); err != nil {
		t.Fatalf("audit export: %v", err)
	}
	rows, err := csv.NewReader(&out).ReadAll()
	if err != nil {
		t.Fatalf("export is not CSV: %v", err)
	}
	if len(rows) < 2 || strings.Join(rows[0], ",") != strings.Join(audit.CSVHeader, ",") {
		t.Fatalf("export = %v", rows)
	}
	var found bool
	for _, r := range rows[1:] {
		if r[2] != "test.cli" || r[5] != "tester" {
			t.Errorf("row %v does not match the filter", r)
		}
		found = found || r[3] == marker
	}
	if !found {
		t.Errorf("the appended event is not in the export: %v", rows)
	}
}

// TestVerifyReportsBrokenRow: on a chain altered in SQL, the command's
// report fails and names the row. (The command itself walks the shared
// test database, which other tests use at the same time and which must
// not be broken; the altered chain lives in a rolled-back transaction.)
func TestVerifyReportsBrokenRow(t *testing.T) {
	tx := dbtest.Tx(t)
	ctx := context.Background()
	for range 3 {
		if _, err := audit.Append(ctx, tx, audit.Event{Action: "test.cli", Actor: "tester"}); err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range []string{"ALTER TABLE audit_log DISABLE TRIGGER USER", `UPDATE audit_log SET target = 'forged' WHERE id = 2`} {
		if _, err := tx.Exec(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	res, err := audit.Verify(ctx, tx)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	err = (&Main{Stdout: &out, Stderr: &out}).reportVerify(res, false)
	if err == nil || !strings.Contains(err.Error(), "broken at row 2") {
		t.Fatalf("report = %v, want a failure naming row 2", err)
	}
}
