package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/civitas-eu/civitas/internal/dbtest"
)

// TestTransparencyCommand: `assistant transparency` prints the record as
// JSON naming the active models with the digests the database holds, and
// as a standalone HTML page; another format is refused.
func TestTransparencyCommand(t *testing.T) {
	pool := dbtest.Migrated(t)
	dbtest.LockActiveModels(t)
	var out bytes.Buffer
	m := &Main{Stdout: &out, Stderr: &out, Getenv: cliEnv(t)}
	if err := m.Run(context.Background(), []string{"transparency", "--format", "json"}); err != nil {
		t.Fatalf("transparency: %v\n%s", err, out.String())
	}
	var rec struct {
		Standard string `json:"standard"`
		Models   []struct{ Role, Name, Digest string }
	}
	if err := json.Unmarshal(out.Bytes(), &rec); err != nil || !strings.Contains(rec.Standard, "Transparency Standard") {
		t.Fatalf("not a record: %v\n%s", err, out.String())
	}
	rows, err := pool.Query(context.Background(), "SELECT role, model, digest FROM active_models ORDER BY role")
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for rows.Next() {
		var r, n, d string
		if err := rows.Scan(&r, &n, &d); err != nil {
			t.Fatal(err)
		}
		want = append(want, r+"="+n+"@"+d)
	}
	var got []string
	for _, mf := range rec.Models {
		got = append(got, mf.Role+"="+mf.Name+"@"+mf.Digest)
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("record names models %v, the database %v", got, want)
	}
	out.Reset()
	if err := m.Run(context.Background(), []string{"transparency", "--format", "html"}); err != nil || !strings.HasPrefix(out.String(), "<!doctype html>") {
		t.Errorf("HTML: %v\n%.200s", err, out.String())
	}
	if err := m.Run(context.Background(), []string{"transparency", "--format", "xml"}); err == nil || !strings.Contains(err.Error(), "--format") {
		t.Errorf("format xml: %v, want an error naming --format", err)
	}
}
