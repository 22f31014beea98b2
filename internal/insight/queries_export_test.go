package insight

import "github.com/civitas-eu/civitas/internal/sqlfile"

// LoadQueries returns the package's named queries (sql/*.sql).
func LoadQueries() (sqlfile.Queries, error) { return sqlfile.Load(sqlFiles, "sql") }
