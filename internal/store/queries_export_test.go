package store

import (
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/civitas-eu/civitas/internal/sqlfile"
)

// LoadQueries returns the named queries as written in queries/*.sql.
func LoadQueries() (sqlfile.Queries, error) { return loadQueries() }

// FilledQueries returns every named query with its {{…}} parts filled in
// as the store fills them: the retrieval queries by retrieveSQL (for
// model m), the other templates of a model by EmbeddingModel.sql, and
// GrantAppRole's role and schema as GrantAppRole does.
func FilledQueries(m EmbeddingModel, role, schema string) (sqlfile.Queries, error) {
	q, err := loadQueries()
	if err != nil {
		return nil, err
	}
	s := &Store{queries: q}
	out := sqlfile.Queries{}
	for name, sql := range q {
		switch {
		case name == "GrantAppRole":
			sql = strings.NewReplacer("{{role}}", pgx.Identifier{role}.Sanitize(), "{{schema}}", pgx.Identifier{schema}.Sanitize()).Replace(sql)
		case strings.Contains(sql, "{{lexical}}") || strings.Contains(sql, "{{columns}}") || strings.Contains(sql, "{{visible}}"):
			sql = s.retrieveSQL(name, m)
		default:
			sql = m.sql(sql)
		}
		out[name] = sql
	}
	return out, nil
}
