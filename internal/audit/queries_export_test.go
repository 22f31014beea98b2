package audit

import "github.com/civitas-eu/civitas/internal/sqlfile"

// LoadQueries returns the trail's named queries (sql/*.sql).
func LoadQueries() (sqlfile.Queries, error) { return queries() }
