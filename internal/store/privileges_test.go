package store_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/civitas-eu/civitas/internal/audit"
	"github.com/civitas-eu/civitas/internal/dbtest"
	"github.com/civitas-eu/civitas/internal/store"
)

// TestAppRoleCannotRunDDL runs the store's work as the role `assistant
// migrate --grant-app-role` prepares: registering and dropping a model
// (through the owner's functions), writing and retrieving a document,
// appending to and reading the audit trail and deleting a personal part,
// as erasure does, all work; DDL and rewriting the audit trail are
// refused by the database itself with SQLSTATE 42501.
func TestAppRoleCannotRunDDL(t *testing.T) {
	ctx := context.Background()
	db := dbtest.AppRole(t, nil)
	st, err := store.New(db.Pool)
	if err != nil {
		t.Fatal(err)
	}
	m, err := st.RegisterEmbeddingModel(ctx, "app-embed", 16, "")
	if err != nil {
		t.Fatalf("register a model as the app role: %v", err)
	}
	sum := sha256.Sum256([]byte("app"))
	_, ids, err := st.InsertDocument(ctx, store.Document{Collection: "app", SourceURI: "/docs/app.md", Title: "Hundesteuer",
		MediaType: "text/markdown", TSConfig: "german", ContentHash: sum[:]},
		[]store.Chunk{{Content: "Die Hundesteuer beträgt 100 Euro.", TokenCount: 5}, {Content: "Anträge im Bürgerbüro.", TokenCount: 3}})
	if err != nil {
		t.Fatalf("insert a document as the app role: %v", err)
	}
	if err := st.UpsertEmbeddings(ctx, m, ids, [][]float32{unit(16, 0, 0.1), unit(16, 5, 0.1)}); err != nil {
		t.Fatal(err)
	}
	hits, err := st.RetrieveHybrid(ctx, m, store.RetrieveQuery{Text: "Hundesteuer", Vector: unit(16, 0, 0), K: 1})
	if err != nil || len(hits) != 1 || hits[0].ChunkID != ids[0] {
		t.Fatalf("retrieve as the app role: %v %+v", err, hits)
	}
	rec, err := audit.Append(ctx, db.Pool, audit.Event{Action: "test.event", Actor: "alice", Personal: map[string]string{"q": "x"}})
	if err != nil {
		t.Fatalf("append to the audit trail as the app role: %v", err)
	}
	if res, err := audit.Verify(ctx, db.Pool); err != nil || !res.OK {
		t.Fatalf("read and verify the audit trail as the app role: %v %+v", err, res)
	}
	// Erasure: lock the personal part, then delete it (internal/privacy).
	err = pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT audit_id FROM audit_personal WHERE actor = 'alice' FOR UPDATE"); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "DELETE FROM audit_personal WHERE audit_id = $1", rec.ID)
		return err
	})
	if err != nil {
		t.Fatalf("erase a personal part as the app role: %v", err)
	}
	// A personal part for the UPDATEs below to be refused on.
	if _, err := audit.Append(ctx, db.Pool, audit.Event{Action: "test.event", Actor: "bob"}); err != nil {
		t.Fatal(err)
	}

	for _, sql := range []string{
		"CREATE TABLE scratch (id int)",
		"CREATE INDEX ON documents (title)",
		"ALTER TABLE documents ADD COLUMN x int",
		"DROP TABLE jobs",
		"TRUNCATE jobs",
		fmt.Sprintf("DROP TABLE embeddings_%d", m.ID),
		"CREATE TABLE embeddings_999 PARTITION OF embeddings FOR VALUES IN (999)",
		"CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'",
		"UPDATE audit_log SET action = 'rewritten'",
		"DELETE FROM audit_log",
		"TRUNCATE audit_log",
		"UPDATE audit_personal SET actor = 'mallory'",
		"UPDATE audit_personal SET audit_id = audit_id", // the column granted for row locks: the trigger refuses
		"DELETE FROM audit_head",
		"DELETE FROM schema_migrations",
	} {
		_, err := db.Pool.Exec(ctx, sql)
		if pgErr := (*pgconn.PgError)(nil); !errors.As(err, &pgErr) || pgErr.Code != "42501" {
			t.Errorf("%s as the app role: error %v, want SQLSTATE 42501", sql, err)
		}
	}

	n, err := st.DropEmbeddings(ctx, m.Name)
	if err != nil || n != 2 {
		t.Fatalf("drop a model's vectors as the app role: %d, %v; want 2", n, err)
	}
}

// TestDropEmbeddingsDropsPartition: every model's vectors are a partition
// of their own, with its HNSW index on it, and dropping a model drops its
// partition whole and leaves the other model's vectors alone.
func TestDropEmbeddingsDropsPartition(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := setup(t)
	tx := f.st.DB()
	other, err := f.st.RegisterEmbeddingModel(ctx, "other-embed", 8, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.st.UpsertEmbeddings(ctx, other, f.ids, [][]float32{unit(8, 0, 0), unit(8, 1, 0), unit(8, 2, 0)}); err != nil {
		t.Fatal(err)
	}
	var kind string
	if err := tx.QueryRow(ctx, "SELECT relkind::text FROM pg_class WHERE oid = 'embeddings'::regclass").Scan(&kind); err != nil || kind != "p" {
		t.Fatalf("embeddings relkind %q (%v), want p (partitioned)", kind, err)
	}
	partitions := func() []string {
		t.Helper()
		rows, err := tx.Query(ctx, `SELECT c.relname || ':' || coalesce((SELECT string_agg(i.indexrelid::regclass::text, ',')
				FROM pg_index i WHERE i.indrelid = c.oid AND i.indexrelid::regclass::text LIKE 'embeddings_hnsw_%'), '')
			FROM pg_inherits h JOIN pg_class c ON c.oid = h.inhrelid
			WHERE h.inhparent = 'embeddings'::regclass ORDER BY c.relname`)
		if err != nil {
			t.Fatal(err)
		}
		out, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	want := []string{fmt.Sprintf("embeddings_%d:embeddings_hnsw_%d", f.model.ID, f.model.ID),
		fmt.Sprintf("embeddings_%d:embeddings_hnsw_%d", other.ID, other.ID)}
	slices.Sort(want)
	if got := partitions(); !slices.Equal(got, want) {
		t.Fatalf("partitions:indexes %q, want %q", got, want)
	}
	n, err := f.st.DropEmbeddings(ctx, f.model.Name)
	if err != nil || n != 3 {
		t.Fatalf("DropEmbeddings: %d, %v; want 3", n, err)
	}
	want = []string{fmt.Sprintf("embeddings_%d:embeddings_hnsw_%d", other.ID, other.ID)}
	if got := partitions(); !slices.Equal(got, want) {
		t.Errorf("after the drop, partitions:indexes %q, want %q", got, want)
	}
	var left int
	if err := tx.QueryRow(ctx, "SELECT count(*) FROM embeddings WHERE model_id = $1", other.ID).Scan(&left); err != nil || left != 3 {
		t.Errorf("other model keeps %d vectors (%v), want 3", left, err)
	}
	if _, err := f.st.EmbeddingModel(ctx, f.model.Name); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("dropped model still registered: %v", err)
	}
}

// TestHalfvecRetrieval: with --vector-type halfvec a model's index is
// built in half precision, and vector and hybrid retrieval cast to it, so
// they find the nearest chunk through that index.
func TestHalfvecRetrieval(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tx := dbtest.Tx(t)
	st, err := store.New(tx, store.WithVectorType(store.VectorHalf))
	if err != nil {
		t.Fatal(err)
	}
	m, err := st.RegisterEmbeddingModel(ctx, "half-embed", 16, "")
	if err != nil || m.VectorType != store.VectorHalf {
		t.Fatalf("register: %+v, %v; want a halfvec model", m, err)
	}
	var def string
	if err := tx.QueryRow(ctx, "SELECT pg_get_indexdef($1::regclass)", fmt.Sprintf("embeddings_hnsw_%d", m.ID)).Scan(&def); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(def, "halfvec(16)") || !strings.Contains(def, "halfvec_cosine_ops") {
		t.Errorf("index %s is not a halfvec index", def)
	}
	sum := sha256.Sum256([]byte("half"))
	_, ids, err := st.InsertDocument(ctx, store.Document{Collection: "half", SourceURI: "/docs/half.md", Title: "Half",
		MediaType: "text/markdown", ContentHash: sum[:]},
		[]store.Chunk{{Content: "eins", TokenCount: 1}, {Content: "zwei", TokenCount: 1}, {Content: "drei", TokenCount: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.UpsertEmbeddings(ctx, m, ids, [][]float32{unit(16, 0, 0.1), unit(16, 5, 0.1), unit(16, 10, 0.1)}); err != nil {
		t.Fatal(err)
	}
	q := store.RetrieveQuery{Text: "zwei", Vector: unit(16, 5, 0), K: 1}
	for _, mode := range []string{"vector", "hybrid"} {
		var hits []store.Retrieved
		if mode == "vector" {
			hits, err = st.RetrieveVector(ctx, m, q)
		} else {
			hits, err = st.RetrieveHybrid(ctx, m, q)
		}
		if err != nil || len(hits) != 1 || hits[0].ChunkID != ids[1] {
			t.Errorf("%s retrieval: %v %+v, want chunk %d", mode, err, hits, ids[1])
		}
	}
	for _, set := range []string{"SET LOCAL enable_seqscan = off", "SET LOCAL enable_sort = off"} {
		if _, err := tx.Exec(ctx, set); err != nil {
			t.Fatal(err)
		}
	}
	plan, err := st.ExplainRetrieve(ctx, "vector", m, q)
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("Index Scan using embeddings_hnsw_%d on embeddings_%d", m.ID, m.ID); !strings.Contains(plan, want) {
		t.Errorf("plan does not use the partition's halfvec index (%s):\n%s", want, plan)
	}
}

// TestEnsureEmbeddingIndexesConcurrently: `assistant migrate` rebuilds a
// model's missing index with CREATE INDEX CONCURRENTLY, outside any
// transaction, and leaves present ones alone.
func TestEnsureEmbeddingIndexesConcurrently(t *testing.T) {
	ctx := context.Background()
	pool := dbtest.Migrated(t)
	st, err := store.New(pool)
	if err != nil {
		t.Fatal(err)
	}
	m, err := st.RegisterEmbeddingModel(ctx, dbtest.UniqueName("ensure-embed-"), 4, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = st.DropEmbeddings(context.Background(), m.Name) })
	index := fmt.Sprintf("embeddings_hnsw_%d", m.ID)
	if _, err := pool.Exec(ctx, "DROP INDEX "+index); err != nil {
		t.Fatal(err)
	}
	built, err := store.EnsureEmbeddingIndexes(ctx, pool)
	if err != nil {
		t.Fatalf("EnsureEmbeddingIndexes: %v", err)
	}
	if !slices.Contains(built, index) {
		t.Errorf("built %q, want %s among them", built, index)
	}
	var valid bool
	if err := pool.QueryRow(ctx, "SELECT indisvalid FROM pg_index WHERE indexrelid = $1::regclass", index).Scan(&valid); err != nil || !valid {
		t.Errorf("index %s valid %v (%v), want a valid index", index, valid, err)
	}
	if built, err := store.EnsureEmbeddingIndexes(ctx, pool); err != nil || slices.Contains(built, index) {
		t.Errorf("second run built %q (%v); want %s left alone", built, err, index)
	}
}

// TestRetrieveUsesReadPool: with a read pool (--database-read-url, here
// on the same database), retrieval runs on it and not on the primary.
func TestRetrieveUsesReadPool(t *testing.T) {
	// Its chunks, in the shared database, have no vector of the active
	// model: keep them from a model switch test's count.
	dbtest.LockActiveModels(t)
	ctx := context.Background()
	dbtest.Migrated(t)
	open := func() *pgxpool.Pool {
		p, err := store.OpenPool(ctx, dbtest.URL(t), 2)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(p.Close)
		return p
	}
	primary, read := open(), open()
	st, err := store.New(primary, store.WithReadDB(read))
	if err != nil {
		t.Fatal(err)
	}
	m, err := st.RegisterEmbeddingModel(ctx, dbtest.UniqueName("read-embed-"), 4, "")
	if err != nil {
		t.Fatal(err)
	}
	collection := dbtest.UniqueName("read-")
	t.Cleanup(func() {
		_, _ = st.DropEmbeddings(context.Background(), m.Name)
		_, _ = primary.Exec(context.Background(), "DELETE FROM collections WHERE name = $1", collection)
	})
	sum := sha256.Sum256([]byte(collection))
	_, ids, err := st.InsertDocument(ctx, store.Document{Collection: collection, SourceURI: "/docs/read.md", Title: "Lesepool",
		MediaType: "text/markdown", ContentHash: sum[:]}, []store.Chunk{{Content: "Replikat Lesezugriff", TokenCount: 2}})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.UpsertEmbeddings(ctx, m, ids, [][]float32{unit(4, 0, 0)}); err != nil {
		t.Fatal(err)
	}
	primaryBefore, readBefore := primary.Stat().AcquireCount(), read.Stat().AcquireCount()
	q := store.RetrieveQuery{RetrieveFilter: store.RetrieveFilter{Collections: []string{collection}}, Text: "Replikat", Vector: unit(4, 0, 0)}
	for _, mode := range []string{"hybrid", "vector", "lexical"} {
		var hits []store.Retrieved
		switch mode {
		case "hybrid":
			hits, err = st.RetrieveHybrid(ctx, m, q)
		case "vector":
			hits, err = st.RetrieveVector(ctx, m, q)
		default:
			hits, err = st.RetrieveLexical(ctx, q)
		}
		if err != nil || len(hits) != 1 || hits[0].ChunkID != ids[0] {
			t.Errorf("%s retrieval: %v %+v", mode, err, hits)
		}
	}
	if got := read.Stat().AcquireCount() - readBefore; got < 3 {
		t.Errorf("read pool served %d acquisitions for 3 retrievals", got)
	}
	if got := primary.Stat().AcquireCount() - primaryBefore; got != 0 {
		t.Errorf("primary served %d acquisitions during retrieval, want none", got)
	}
}

// TestPartitionMigrationMovesVectors: the embeddings_by_model migration moves the vectors of
// a database migrated before it into one partition per model, each with
// its model's HNSW index, and retrieval finds them there.
func TestPartitionMigrationMovesVectors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tx, err := dbtest.Pool(t).Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tx.Rollback(context.Background()) })
	schema := pgx.Identifier{dbtest.SchemaName()}.Sanitize()
	if _, err := tx.Exec(ctx, "CREATE SCHEMA "+schema+"; SET LOCAL search_path TO "+schema+", public"); err != nil {
		t.Fatal(err)
	}
	migs, err := store.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	apply := func(from, to int) { // versions from..to, as the old binary did
		t.Helper()
		for _, m := range migs[from-1 : to] {
			if _, err := tx.Conn().PgConn().Exec(ctx, m.SQL).ReadAll(); err != nil {
				t.Fatalf("apply %s: %v", m.Name, err)
			}
		}
	}
	partitioning := slices.IndexFunc(migs, func(m store.Migration) bool { return strings.HasSuffix(m.Name, "_embeddings_by_model") }) + 1
	if partitioning == 0 {
		t.Fatal("no embeddings_by_model migration")
	}
	apply(1, partitioning-1)
	// Two models' vectors and their partial indexes, as the migrations
	// before left them.
	_, err = tx.Exec(ctx, `
		INSERT INTO embedding_models (name, dimensions) VALUES ('a', 2), ('b', 3);
		INSERT INTO documents (collection_id, source_uri, media_type, content_hash, size_bytes)
			VALUES (1, '/d', 'text/plain', sha256('d'), 1);
		INSERT INTO chunks (document_id, ordinal, content, token_count)
			SELECT 1, g, 'Text ' || g, 1 FROM generate_series(0, 2) g;
		INSERT INTO embeddings SELECT c.id, 1, '[1,0]' FROM chunks c;
		INSERT INTO embeddings SELECT c.id, 2, ('[0,' || c.ordinal || ',1]')::vector FROM chunks c;
		CREATE INDEX embeddings_hnsw_1 ON embeddings USING hnsw ((embedding::vector(2)) vector_cosine_ops) WHERE model_id = 1;
		CREATE INDEX embeddings_hnsw_2 ON embeddings USING hnsw ((embedding::vector(3)) vector_cosine_ops) WHERE model_id = 2;`)
	if err != nil {
		t.Fatal(err)
	}
	apply(partitioning, len(migs))
	for _, c := range []struct {
		sql  string
		want int
	}{
		{"SELECT count(*) FROM embeddings_1", 3},
		{"SELECT count(*) FROM embeddings_2", 3},
		{"SELECT count(*) FROM pg_inherits WHERE inhparent = 'embeddings'::regclass", 2},
		{"SELECT count(*) FROM pg_index WHERE indrelid = 'embeddings_2'::regclass AND indexrelid = 'embeddings_hnsw_2'::regclass", 1},
	} {
		var got int
		if err := tx.QueryRow(ctx, c.sql).Scan(&got); err != nil || got != c.want {
			t.Errorf("%s = %d (%v), want %d", c.sql, got, err, c.want)
		}
	}
	st, err := store.New(tx)
	if err != nil {
		t.Fatal(err)
	}
	m, err := st.EmbeddingModel(ctx, "b")
	if err != nil {
		t.Fatal(err)
	}
	hits, err := st.RetrieveVector(ctx, m, store.RetrieveQuery{Vector: []float32{0, 2, 1}, K: 1})
	if err != nil || len(hits) != 1 || hits[0].Content != "Text 2" {
		t.Errorf("retrieval after the migration: %v %+v", err, hits)
	}
}
