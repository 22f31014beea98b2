package config

// DatabaseConfig holds the settings of large and production deployments'
// database use.
type DatabaseConfig struct {
	// ReadURL, when set, is a read replica's connection string: retrieval
	// queries, the bulk of the read load, go there.
	ReadURL string
	// VectorType is the precision of the HNSW index of an embedding model
	// registered from now on: "vector" or "halfvec" (half the memory).
	VectorType string
}

// databaseSettings are the rows of the settings table for the database
// beyond its URL.
func databaseSettings() []Setting {
	return []Setting{
		{Flag: "database-read-url", Env: "CIVITAS_DATABASE_READ_URL", Default: "", Secret: true, Only: "assistant",
			Usage: "PostgreSQL connection URL of a read replica that retrieval queries use (empty: the primary, --database-url)",
			set:   func(c *Config, v string) error { c.Database.ReadURL = v; return nil }},
		{Flag: "vector-type", Env: "CIVITAS_VECTOR_TYPE", Default: "vector",
			Usage: "precision of the vector index of an embedding model when it is first registered: vector (single) or halfvec (half the index memory, for large corpora)",
			set:   func(c *Config, v string) error { c.Database.VectorType = v; return oneOf(v, "vector", "halfvec") }},
	}
}
