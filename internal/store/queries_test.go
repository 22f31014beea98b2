package store

import "testing"

func TestEmbeddedQueriesLoad(t *testing.T) {
	t.Parallel()
	q, err := loadQueries()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"InsertDocument", "InsertChunks", "RetrieveHybrid", "RetrieveLexical", "RetrieveVector", "DeleteDocument", "UpsertEmbeddings", "AddEmbeddingPartition", "DropEmbeddingPartition", "GrantAppRole"} {
		if q[name] == "" {
			t.Errorf("query %s missing", name)
		}
	}
}
