package sqlfile

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// repoRoot is the module root, two levels above this package.
const repoRoot = "../.."

// allowedForeignWrites lists writes of a table by a package that does not
// own it, as "package table". It must stay empty: a write belongs in the
// owner (TableOwners), which offers a function taking the caller's
// transaction. Privacy's erasure and retention wrote nine tables of
// store, audit and jobs from privacy.sql until they moved to
// store/queries/privacy_writes.sql, audit/sql/erase.sql and
// jobs/privacy.sql.
var allowedForeignWrites = map[string]string{}

func TestWrites(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, sql string
		want      []string
	}{
		{"insert", "INSERT INTO jobs (a) VALUES (1)", []string{"jobs"}},
		{"qualified and quoted", `DELETE FROM public."Answers" WHERE true`, []string{"answers"}},
		{"update only", "UPDATE ONLY documents SET a = 1", []string{"documents"}},
		{"for update is a lock", "SELECT 1 FROM jobs FOR UPDATE OF jobs SKIP LOCKED", nil},
		{"upsert names its table once", "INSERT INTO t (a) VALUES (1) ON CONFLICT (a) DO UPDATE SET a = 2", []string{"t"}},
		{"cte", "WITH d AS (DELETE FROM a RETURNING id) UPDATE b SET x = 1 FROM d", []string{"a", "b"}},
		{"comments and strings", "-- UPDATE x SET\n/* DELETE FROM y */ SELECT 'INSERT INTO z'", nil},
		{"grant lists", "GRANT DELETE, UPDATE (audit_id) ON audit_personal TO r; REVOKE INSERT, UPDATE ON x FROM r", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Writes(tt.sql); !slices.Equal(got, tt.want) {
				t.Errorf("Writes(%q) = %v, want %v", tt.sql, got, tt.want)
			}
		})
	}
}

// TestSQLWritesOnlyOwnedTables reads every .sql file of the tree outside
// the migrations (which create the schema, for store) and fails when a
// package writes a table that TableOwners gives to another, or one it
// does not know.
func TestSQLWritesOnlyOwnedTables(t *testing.T) {
	t.Parallel()
	owners := TableOwners()
	seen := map[string]bool{}
	err := filepath.WalkDir(repoRoot, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != repoRoot && strings.HasPrefix(d.Name(), ".") || d.Name() == "node_modules" || d.Name() == "migrations" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".sql") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		pkg := goPackageOf(t, filepath.Dir(path))
		for _, table := range Writes(string(b)) {
			key := pkg + " " + table
			switch owner, ok := owners[table]; {
			case !ok:
				t.Errorf("%s writes table %s, which has no owner in TableOwners", path, table)
			case owner == pkg:
			case allowedForeignWrites[key] != "":
				seen[key] = true
			default:
				t.Errorf("%s writes table %s owned by %s: move the statement there and call it with the transaction", path, table, owner)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for key := range allowedForeignWrites {
		if !seen[key] {
			t.Errorf("allowedForeignWrites lists %q, which no longer happens: remove it", key)
		}
	}
}

// goPackageOf returns the module-relative directory of the Go package
// that embeds the .sql files in dir: dir itself or the nearest directory
// above it holding .go files (sql/ and queries/ are subdirectories).
func goPackageOf(t *testing.T, dir string) string {
	t.Helper()
	for d := dir; ; d = filepath.Dir(d) {
		if gos, _ := filepath.Glob(filepath.Join(d, "*.go")); len(gos) > 0 {
			rel, err := filepath.Rel(repoRoot, d)
			if err != nil {
				t.Fatal(err)
			}
			return filepath.ToSlash(rel)
		}
		if d == repoRoot || d == "." || d == "/" {
			t.Fatalf("no Go package holds %s", dir)
		}
	}
}

var createTable = regexp.MustCompile(`(?i)CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?([a-z_][a-z0-9_]*)\s*\(`)

// TestEveryTableHasOwner fails when a migration creates a table that
// TableOwners does not list, so a new table gets an owner the day it is
// made (partitions of embeddings, made by a function, are embeddings').
func TestEveryTableHasOwner(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join(repoRoot, "internal/store/migrations/*.sql"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no migrations found: %v", err)
	}
	owners := TableOwners()
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range createTable.FindAllStringSubmatch(string(b), -1) {
			if _, ok := owners[strings.ToLower(m[1])]; !ok {
				t.Errorf("%s creates table %s, which has no owner in TableOwners", filepath.Base(f), m[1])
			}
		}
	}
}
