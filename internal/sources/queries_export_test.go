package sources

import "github.com/civitas-eu/civitas/internal/sqlfile"

// LoadQueries returns the package's named queries (queries.sql).
func LoadQueries() (sqlfile.Queries, error) { return sqlfile.Load(queryFS, ".") }
