package store_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/civitas-eu/civitas/internal/dbtest"
	"github.com/civitas-eu/civitas/internal/store"
)

func randomUnit(rng *rand.Rand, dims int) []float32 {
	v := make([]float32, dims)
	var n float64
	for i := range v {
		x := rng.NormFloat64()
		v[i] = float32(x)
		n += x * x
	}
	for i := range v {
		v[i] /= float32(math.Sqrt(n))
	}
	return v
}

// TestRetrieveVectorRecallUnderSelectiveFilter stores 5,000 chunks in 500
// documents, each document in one of 100 groups, and searches as a caller
// in one group: about 1% of the chunks are visible. The HNSW index alone
// would return ef_search candidates of which about 1% pass the filter; the
// iterative scan must go on until k rows pass, and those must be nearly
// the exact k nearest visible chunks.
func TestRetrieveVectorRecallUnderSelectiveFilter(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the 5,000-chunk recall test")
	}
	t.Parallel()
	const (
		dims      = 64
		numDocs   = 500
		perDoc    = 10
		numGroups = 100
		k         = 10
		queries   = 20
	)
	rng := rand.New(rand.NewPCG(42, 42))
	docs := make([]seedDoc, numDocs)
	for i := range docs {
		sd := seedDoc{name: fmt.Sprintf("d%03d", i), collection: "recall", lang: "en",
			groups: []string{fmt.Sprintf("g%02d", rng.IntN(numGroups))}}
		for j := range perDoc {
			sd.chunks = append(sd.chunks, fmt.Sprintf("chunk %d of %s", j, sd.name))
			sd.vecs = append(sd.vecs, randomUnit(rng, dims))
		}
		docs[i] = sd
	}
	c := seed(t, dims, docs)
	ctx := context.Background()
	exec := func(sql string) {
		t.Helper()
		if _, err := c.tx.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	exec("ANALYZE")
	index := fmt.Sprintf("embeddings_hnsw_%d", c.model.ID)

	var found, total, visible int
	for i := range queries {
		group := fmt.Sprintf("g%02d", i*numGroups/queries)
		q := store.RetrieveQuery{RetrieveFilter: store.RetrieveFilter{Groups: []string{group}}, Vector: randomUnit(rng, dims), K: k}
		// Approximate: the planner is kept on the index-ordered path (a
		// sort over the few visible rows would otherwise win, and never
		// exercise the iterative scan).
		exec("SET LOCAL enable_sort = off")
		plan, err := c.st.ExplainRetrieve(ctx, "vector", c.model, q)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(plan, index) {
			t.Fatalf("approximate search does not use %s:\n%s", index, plan)
		}
		approx := c.run(t, "vector", q)
		// Exact: the same query without index scans.
		exec("SET LOCAL enable_sort = on")
		exec("SET LOCAL enable_indexscan = off")
		exact := c.run(t, "vector", q)
		exec("SET LOCAL enable_indexscan = on")

		for _, h := range exact {
			if !strings.HasPrefix(c.names[h.ChunkID], "d") {
				t.Fatalf("unknown chunk %d", h.ChunkID)
			}
		}
		for _, name := range c.docNames(exact) {
			if g := c.docs[name].AccessGroups; !slices.Contains(g, group) {
				t.Fatalf("exact search returned %s of groups %v to a caller in %s", name, g, group)
			}
		}
		if len(exact) < k {
			continue // the group holds fewer than k chunks
		}
		visible++
		if len(approx) != k {
			t.Errorf("query %d (group %s): iterative scan returned %d rows, want %d", i, group, len(approx), k)
		}
		want := map[int64]bool{}
		for _, h := range exact {
			want[h.ChunkID] = true
		}
		for _, h := range approx {
			if want[h.ChunkID] {
				found++
			}
		}
		total += k
	}
	if visible < queries/2 {
		t.Fatalf("only %d of %d queries had %d visible chunks", visible, queries, k)
	}
	recall := float64(found) / float64(total)
	t.Logf("recall@%d under a ~1%% filter, %d queries: %.3f", k, visible, recall)
	if recall < 0.9 {
		t.Errorf("recall@%d = %.3f, want ≥ 0.9", k, recall)
	}
}

// BenchmarkRetrieveLatency compares hybrid retrieval with a bare pgvector
// KNN query over the same 100,000 chunks (64-dimension vectors, short
// texts over a Zipf-distributed vocabulary, so that some query words are
// rare and some are in every tenth chunk). Each iteration runs every
// query once per method; the latency percentiles are reported per method.
// Set CIVITAS_BENCH_CHUNKS to change the size.
func BenchmarkRetrieveLatency(b *testing.B) {
	const (
		dims    = 64
		perDoc  = 100
		queries = 100
		k       = 10
	)
	total := 100_000
	if v, err := strconv.Atoi(os.Getenv("CIVITAS_BENCH_CHUNKS")); err == nil && v > 0 {
		total = v
	}
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(5, 8))
	zipf := rand.NewZipf(rand.New(rand.NewPCG(9, 9)), 1.1, 2, 19_999)
	words := func(n int) string {
		w := make([]string, n)
		for i := range w {
			w[i] = fmt.Sprintf("w%d", zipf.Uint64())
		}
		return strings.Join(w, " ")
	}

	start := time.Now()
	tx := dbtest.Tx(b)
	st, err := store.New(tx)
	if err != nil {
		b.Fatal(err)
	}
	m, err := st.RegisterEmbeddingModel(ctx, "bench-embed", dims, "")
	if err != nil {
		b.Fatal(err)
	}
	for d := 0; d*perDoc < total; d++ {
		chunks := make([]store.Chunk, perDoc)
		vecs := make([][]float32, perDoc)
		for i := range chunks {
			chunks[i] = store.Chunk{Content: words(12), TokenCount: 12}
			vecs[i] = randomUnit(rng, dims)
		}
		sum := sha256.Sum256([]byte(strconv.Itoa(d)))
		_, ids, err := st.InsertDocument(ctx, store.Document{
			Collection: "bench", SourceURI: fmt.Sprintf("/bench/%d.txt", d), MediaType: "text/plain",
			ContentHash: sum[:], AccessGroups: []string{fmt.Sprintf("g%d", d%10)},
		}, chunks)
		if err != nil {
			b.Fatal(err)
		}
		if err := st.UpsertEmbeddings(ctx, m, ids, vecs); err != nil {
			b.Fatal(err)
		}
	}
	// What autovacuum would do after a bulk load (PGlite has none): move
	// the full-text index's pending entries into the index, and gather
	// statistics.
	for _, sql := range []string{"SELECT gin_clean_pending_list('chunks_tsv'::regclass)", "ANALYZE"} {
		if _, err := tx.Exec(ctx, sql); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("stored %d chunks with vectors and the HNSW index in %s", total, time.Since(start).Round(time.Second))

	type query struct {
		text string
		vec  []float32
	}
	qs := make([]query, queries)
	for i := range qs {
		// A question has a few common words and a few rarer ones.
		text := words(2)
		for range 2 + rng.IntN(3) {
			text += fmt.Sprintf(" w%d", rng.IntN(20_000))
		}
		qs[i] = query{text: text, vec: randomUnit(rng, dims)}
	}
	// Every document is in one of ten groups; this caller is in all ten.
	everyone := store.RetrieveFilter{Groups: []string{"g0", "g1", "g2", "g3", "g4", "g5", "g6", "g7", "g8", "g9"}}
	// The bare KNN: the index scan alone, no joins, no filters, with the
	// same ef_search that retrieval sets.
	bare := fmt.Sprintf(`SELECT chunk_id FROM embeddings WHERE model_id = %d
		ORDER BY embedding::vector(%d) <=> $1::text::vector(%d) LIMIT %d`, m.ID, dims, dims, k)
	methods := []struct {
		name string
		run  func(q query) (int, error)
	}{
		{"knn", func(q query) (int, error) {
			var n int
			err := pgx.BeginFunc(ctx, tx, func(tx pgx.Tx) error {
				if _, err := tx.Exec(ctx, "SET LOCAL hnsw.ef_search = 40"); err != nil {
					return err
				}
				rows, err := tx.Query(ctx, bare, store.VectorLiteral(q.vec))
				if err != nil {
					return err
				}
				ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
				n = len(ids)
				return err
			})
			return n, err
		}},
		{"vector", func(q query) (int, error) {
			h, err := st.RetrieveVector(ctx, m, store.RetrieveQuery{RetrieveFilter: everyone, Vector: q.vec, K: k})
			return len(h), err
		}},
		{"lexical", func(q query) (int, error) {
			h, err := st.RetrieveLexical(ctx, store.RetrieveQuery{RetrieveFilter: everyone, Text: q.text, K: k})
			return len(h), err
		}},
		{"hybrid", func(q query) (int, error) {
			h, err := st.RetrieveHybrid(ctx, m, store.RetrieveQuery{RetrieveFilter: everyone, Text: q.text, Vector: q.vec, K: k})
			return len(h), err
		}},
		{"hybrid-filtered", func(q query) (int, error) {
			h, err := st.RetrieveHybrid(ctx, m, store.RetrieveQuery{Text: q.text, Vector: q.vec, K: k,
				RetrieveFilter: store.RetrieveFilter{Collections: []string{"bench"}, Groups: []string{"g3"}}})
			return len(h), err
		}},
	}
	lat := make(map[string][]time.Duration)
	for b.Loop() {
		for _, q := range qs {
			for _, meth := range methods {
				t0 := time.Now()
				n, err := meth.run(q)
				if err != nil {
					b.Fatalf("%s: %v", meth.name, err)
				}
				if n != k && meth.name != "lexical" {
					b.Fatalf("%s returned %d rows, want %d", meth.name, n, k)
				}
				lat[meth.name] = append(lat[meth.name], time.Since(t0))
			}
		}
	}
	pct := func(d []time.Duration, p float64) float64 {
		s := slices.Sorted(slices.Values(d))
		return float64(s[min(len(s)-1, int(p*float64(len(s))))].Microseconds()) / 1000
	}
	for _, meth := range methods {
		d := lat[meth.name]
		b.ReportMetric(pct(d, 0.5), meth.name+"-p50-ms")
		b.ReportMetric(pct(d, 0.95), meth.name+"-p95-ms")
		b.Logf("%-16s p50 %7.2f ms  p95 %7.2f ms  (%d queries)", meth.name, pct(d, 0.5), pct(d, 0.95), len(d))
	}
	b.Logf("hybrid / bare KNN: p50 %.2f×, p95 %.2f×",
		pct(lat["hybrid"], 0.5)/pct(lat["knn"], 0.5), pct(lat["hybrid"], 0.95)/pct(lat["knn"], 0.95))
}
