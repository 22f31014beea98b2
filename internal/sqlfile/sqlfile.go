// Package sqlfile reads named SQL statements from embedded .sql files, in
// the same "-- name: X" block format as internal/store/queries, so that a
// package that keeps its own tables (audit, jobs, originals, privacy)
// keeps its SQL in SQL files too rather than in Go strings. TableOwners
// says which package's SQL may write each table; package sqlfiletest
// checks each package's statements against the schema and its Go code.
package sqlfile

import (
	"fmt"
	"io/fs"
	"path"
	"strings"
)

// Queries maps a statement's name to its text.
type Queries map[string]string

// Load reads every "-- name: X" block of the *.sql files in dir of fsys.
func Load(fsys fs.FS, dir string) (Queries, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("sqlfile: read %s: %w", dir, err)
	}
	out := Queries{}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		b, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("sqlfile: read %s: %w", e.Name(), err)
		}
		if err := parse(e.Name(), string(b), out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Get returns the named statement. A missing name is a programming error
// that the package's tests hit at once, so it panics.
func (q Queries) Get(name string) string {
	sql, ok := q[name]
	if !ok {
		panic("sqlfile: no query named " + name)
	}
	return sql
}

func parse(file, text string, out Queries) error {
	var name string
	var body strings.Builder
	flush := func() error {
		if name == "" {
			return nil
		}
		sql := strings.TrimSpace(body.String())
		if sql == "" {
			return fmt.Errorf("sqlfile: %s: query %s is empty", file, name)
		}
		if _, dup := out[name]; dup {
			return fmt.Errorf("sqlfile: %s: query %s defined twice", file, name)
		}
		out[name] = sql
		body.Reset()
		return nil
	}
	for line := range strings.SplitSeq(text, "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "-- name:"); ok {
			if err := flush(); err != nil {
				return err
			}
			name = strings.TrimSpace(rest)
			continue
		}
		if name != "" {
			body.WriteString(line)
			body.WriteByte('\n')
		}
	}
	return flush()
}
