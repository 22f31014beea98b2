// Package sqlfiletest checks a package's named SQL (sqlfile.Queries)
// against the real, migrated schema and against the package's Go code:
// every statement is accepted by PostgreSQL (CheckPrepared), every name
// the code looks up exists, and every statement is used (CheckNames).
// Each package that loads SQL calls both from a test of its own.
package sqlfiletest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/civitas-eu/civitas/internal/sqlfile"
)

// CheckPrepared asks PostgreSQL to prepare every statement of queries in
// tx (a transaction over the migrated schema, e.g. dbtest.Tx), with
// PREPARE, which parses, resolves every table, column and function and
// infers the parameters' types without running anything, then
// DEALLOCATE. It fails the test for each statement PostgreSQL refuses.
//
// Write queries with their {{…}} parts already substituted as the package
// does. pgx named arguments (@name) become $1, $2, … as pgx.NamedArgs
// makes them. Statements that cannot be prepared (DDL, SET, several
// statements in one) go in skip, keyed by name, with the reason as value;
// those get a syntax check instead: PL/pgSQL's validator parses them as
// the body of a function that is never run.
func CheckPrepared(t testing.TB, tx pgx.Tx, queries sqlfile.Queries, skip map[string]string) {
	t.Helper()
	ctx := context.Background()
	for _, name := range slices.Sorted(maps.Keys(skip)) {
		if _, ok := queries[name]; !ok {
			t.Errorf("skip list names %s, which is no query: remove it", name)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(queries)) {
		sql := Positional(queries[name])
		if strings.Contains(sqlCommentOrString.ReplaceAllString(sql, ""), "{{") {
			t.Errorf("query %s still holds a {{…}} placeholder: substitute it as the package does", name)
			continue
		}
		// The newline ends a trailing comment before the statement goes on.
		body := strings.TrimSuffix(strings.TrimSpace(sql), ";") + "\n"
		var checks []string
		if _, skipped := skip[name]; skipped {
			tag := "chk_" + randomHex()
			checks = []string{"CREATE FUNCTION pg_temp.sqlcheck_" + randomHex() + "() RETURNS void LANGUAGE plpgsql AS $" +
				tag + "$ BEGIN\n" + body + ";\nEND $" + tag + "$"}
		} else {
			stmt := "sqlcheck_" + randomHex()
			checks = []string{"PREPARE " + stmt + " AS " + body, "DEALLOCATE " + stmt}
		}
		if err := inSavepoint(ctx, tx, checks...); err != nil {
			t.Errorf("query %s is refused by PostgreSQL: %v\n%s", name, err, sql)
		}
	}
}

// inSavepoint runs each of sqls, as is over the simple protocol (no
// placeholder handling by pgx), and rolls back to before them: a refused
// statement would otherwise abort tx for the rest.
func inSavepoint(ctx context.Context, tx pgx.Tx, sqls ...string) error {
	pg := tx.Conn().PgConn()
	if _, err := pg.Exec(ctx, "SAVEPOINT sqlcheck").ReadAll(); err != nil {
		return err
	}
	var err error
	for _, sql := range sqls {
		if _, err = pg.Exec(ctx, sql).ReadAll(); err != nil {
			break
		}
	}
	if _, rbErr := pg.Exec(ctx, "ROLLBACK TO SAVEPOINT sqlcheck; RELEASE SAVEPOINT sqlcheck").ReadAll(); rbErr != nil && err == nil {
		err = rbErr
	}
	return err
}

// randomHex names a prepared statement or function: PGlite serves every
// connection from one session, so names must not collide across tests.
func randomHex() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

var (
	sqlCommentOrString = regexp.MustCompile(`(?s)--[^\n]*|/\*.*?\*/|'(?:[^']|'')*'|\$\$.*?\$\$`)
	namedArg           = regexp.MustCompile(`(^|[^@\w:])@([A-Za-z_][A-Za-z0-9_]*)`)
)

// Positional rewrites pgx named arguments (@name) to $1, $2, … in order
// of first appearance, outside comments and string literals, as
// pgx.NamedArgs does; "@@" and "@>" are operators and stay.
func Positional(sql string) string {
	index := map[string]int{}
	var out strings.Builder
	last := 0
	for _, loc := range sqlCommentOrString.FindAllStringIndex(sql, -1) {
		out.WriteString(rewriteNamed(sql[last:loc[0]], index))
		out.WriteString(sql[loc[0]:loc[1]])
		last = loc[1]
	}
	out.WriteString(rewriteNamed(sql[last:], index))
	return out.String()
}

func rewriteNamed(s string, index map[string]int) string {
	return namedArg.ReplaceAllStringFunc(s, func(m string) string {
		sub := namedArg.FindStringSubmatch(m)
		n, ok := index[sub[2]]
		if !ok {
			n = len(index) + 1
			index[sub[2]] = n
		}
		return sub[1] + "$" + strconv.Itoa(n)
	})
}

// CheckNames reads the Go files of the package in dir (test files
// excluded) and fails the test when
//   - a call of a function or method named one of lookups (such as "q"
//     or "Get", or "q.Get" for a Get called on something named q) with a
//     string literal argument names no query, or
//   - a query is named by no string literal of the package: dead SQL.
//
// Any string literal counts as a use, so that names kept in tables of
// statements to run in turn are counted too.
func CheckNames(t testing.TB, dir string, queries sqlfile.Queries, lookups ...string) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	literals := map[string]bool{}
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.BasicLit:
				if s, err := strconv.Unquote(n.Value); err == nil && n.Kind == token.STRING {
					literals[s] = true
				}
			case *ast.CallExpr:
				name := calleeName(n.Fun)
				if !slices.Contains(lookups, name) {
					name = qualifiedName(n.Fun)
				}
				if !slices.Contains(lookups, name) || len(n.Args) != 1 {
					return true
				}
				if lit, ok := n.Args[0].(*ast.BasicLit); ok && lit.Kind == token.STRING {
					s, _ := strconv.Unquote(lit.Value)
					if _, ok := queries[s]; !ok {
						t.Errorf("%s: %s(%q) names no query of the package's .sql files", fset.Position(n.Pos()), name, s)
					}
				}
			}
			return true
		})
	}
	for _, name := range slices.Sorted(maps.Keys(queries)) {
		if !literals[name] {
			t.Errorf("query %s is used nowhere in the Go code of %s: delete it or use it", name, dir)
		}
	}
}

// qualifiedName is "q.Get" for a call of x.q.Get or q.Get: a lookup
// given with its receiver's name tells the queries' Get from another
// method named Get (an http.Header's) in the same package.
func qualifiedName(fun ast.Expr) string {
	sel, ok := fun.(*ast.SelectorExpr)
	if !ok {
		return ""
	}
	switch x := sel.X.(type) {
	case *ast.Ident:
		return x.Name + "." + sel.Sel.Name
	case *ast.SelectorExpr:
		return x.Sel.Name + "." + sel.Sel.Name
	}
	return ""
}

func calleeName(fun ast.Expr) string {
	switch f := fun.(type) {
	case *ast.Ident:
		return f.Name
	case *ast.SelectorExpr:
		return f.Sel.Name
	}
	return ""
}
