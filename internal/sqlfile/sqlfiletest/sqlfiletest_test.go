package sqlfiletest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/civitas-eu/civitas/internal/dbtest"
	"github.com/civitas-eu/civitas/internal/sqlfile"
)

// recorder is a testing.TB that collects failures instead of failing, so
// a test can check that the checks fail when they should.
type recorder struct {
	testing.TB
	errors []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func TestCheckPreparedRefusesBrokenSQL(t *testing.T) {
	t.Parallel()
	tx := dbtest.Tx(t)
	tests := []struct {
		name    string
		sql     string
		skip    bool
		wantErr string // "" means accepted
	}{
		{name: "good", sql: "-- why\nSELECT id, title FROM documents WHERE id = $1 -- trailing\n"},
		{name: "named arguments", sql: "SELECT id FROM documents WHERE id = @id AND title @@ to_tsquery(@q) AND @id > 0"},
		{name: "write", sql: "DELETE FROM jobs WHERE id = $1 RETURNING id;"},
		{name: "misspelt column", sql: "SELECT titel FROM documents", wantErr: "titel"},
		{name: "unknown table", sql: "UPDATE nosuchtable SET a = 1", wantErr: "nosuchtable"},
		{name: "placeholder left", sql: "SELECT {{columns}} FROM jobs", wantErr: "placeholder"},
		{name: "DDL syntax ok", sql: "CREATE INDEX x ON nosuch (a); GRANT USAGE ON SCHEMA public TO nobody_at_all", skip: true},
		{name: "DDL syntax error", sql: "CREATE INDEKS x ON documents (a)", skip: true, wantErr: "syntax error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &recorder{TB: t}
			skip := map[string]string{}
			if tt.skip {
				skip["Q"] = "DDL"
			}
			CheckPrepared(r, tx, sqlfile.Queries{"Q": tt.sql}, skip)
			got := strings.Join(r.errors, "\n")
			if tt.wantErr == "" && got != "" {
				t.Errorf("refused: %s", got)
			}
			if tt.wantErr != "" && !strings.Contains(got, tt.wantErr) {
				t.Errorf("failures %q, want one naming %q", got, tt.wantErr)
			}
		})
	}
}

func TestPositional(t *testing.T) {
	t.Parallel()
	got := Positional("SELECT @a, @b, @a, '@c', x @@ y, j @> k, a::@d -- @e")
	want := "SELECT $1, $2, $1, '@c', x @@ y, j @> k, a::@d -- @e"
	if got != want {
		t.Errorf("Positional = %q, want %q", got, want)
	}
}

func TestCheckNames(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src := `package p

func run(q func(string) string) { q("Used"); q("Missing"); _ = []string{"InTable"} }
`
	if err := os.WriteFile(filepath.Join(dir, "p.go"), []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "p_test.go"), []byte("package p\nvar _ = \"Dead\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := &recorder{TB: t}
	CheckNames(r, dir, sqlfile.Queries{"Used": "SELECT 1", "InTable": "SELECT 2", "Dead": "SELECT 3"}, "q")
	got := strings.Join(r.errors, "\n")
	for _, want := range []string{`q("Missing") names no query`, "query Dead is used nowhere"} {
		if !strings.Contains(got, want) {
			t.Errorf("failures %q, want one with %q", got, want)
		}
	}
	if len(r.errors) != 2 {
		t.Errorf("got %d failures, want 2: %q", len(r.errors), got)
	}
}
