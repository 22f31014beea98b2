package store_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	lcpgvector "github.com/tmc/langchaingo/vectorstores/pgvector"

	"github.com/civitas-eu/civitas/internal/benchmark"
	"github.com/civitas-eu/civitas/internal/dbtest"
	"github.com/civitas-eu/civitas/internal/store"
)

// BenchmarkRetrieveLatency compares our retrieval with a bare pgvector KNN
// query and with langchaingo's pgvector SimilaritySearch over the same
// 100,000 chunks (64-dimension vectors, short texts over a Zipf-distributed
// vocabulary, so that some query words are rare and some are in every
// tenth chunk). Each iteration runs every query once per method; the
// latency percentiles are reported per method, and checked against the
// targets (issue 16):
//
//   - hybrid ≤ 2× the bare KNN at p50 and p95;
//   - hybrid under a selective filter (one group in ten) ≤ 3×;
//   - our vector and hybrid retrieval ≥ 50× faster than SimilaritySearch
//     (whose MATERIALIZED CTE reads every row), at p50.
//
// langchaingo gets its own default schema (langchain_pg_collection,
// langchain_pg_embedding, no index: its default), filled with the same
// rows by SQL, and its own embedder returning the same query vectors.
// CIVITAS_BENCH_CHUNKS changes the size (scripts/bench.sh runs 10k, 30k,
// 100k and 300k for the growth table); CIVITAS_BENCH_EXPLAIN=file writes
// the plans of a few lexical and hybrid queries there.
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
	// Stored as the ingest stores a first import: a bulk load (vectors
	// first, the HNSW index built at the end), 16 documents a transaction.
	if _, err := st.EnsureCollection(ctx, "bench"); err != nil {
		b.Fatal(err)
	}
	load, err := st.BeginBulkLoad(ctx, m)
	if err != nil {
		b.Fatal(err)
	}
	var batch []store.NewVersion
	for d := 0; d*perDoc < total; d++ {
		chunks := make([]store.Chunk, perDoc)
		vecs := make([][]float32, perDoc)
		for i := range chunks {
			chunks[i] = store.Chunk{Content: words(12), TokenCount: 12}
			vecs[i] = randomUnit(rng, dims)
		}
		sum := sha256.Sum256([]byte(strconv.Itoa(d)))
		batch = append(batch, store.NewVersion{Model: m, Chunks: chunks, Vectors: vecs, Document: store.Document{
			Collection: "bench", SourceURI: fmt.Sprintf("/bench/%d.txt", d), MediaType: "text/plain",
			ContentHash: sum[:], AccessGroups: []string{fmt.Sprintf("g%d", d%10)},
		}})
		if len(batch) == 16 || (d+1)*perDoc >= total {
			if _, err := st.WriteVersions(ctx, batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	if err := load.Finish(ctx); err != nil {
		b.Fatal(err)
	}
	if _, err := st.CompactTermStats(ctx); err != nil {
		b.Fatal(err)
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
	qvecs := queryVectors{}
	for i := range qs {
		// A question has a few common words and a few rarer ones.
		text := words(2)
		for range 2 + rng.IntN(3) {
			text += fmt.Sprintf(" w%d", rng.IntN(20_000))
		}
		text += fmt.Sprintf(" q%d", i) // unique, so that langchaingo's embedder finds its vector
		qs[i] = query{text: text, vec: randomUnit(rng, dims)}
		qvecs[text] = qs[i].vec
	}
	lc := langchaingoStore(b, tx, qvecs, m, dims)

	// Every document is in one of ten groups; this caller is in all ten.
	everyone := store.RetrieveFilter{Groups: []string{"g0", "g1", "g2", "g3", "g4", "g5", "g6", "g7", "g8", "g9"}}
	// The bare KNN: the index scan alone, no joins, no filters, with the
	// same ef_search that retrieval sets, sent the same way.
	bare := fmt.Sprintf(`SELECT chunk_id FROM embeddings WHERE model_id = %d
		ORDER BY embedding::vector(%d) <=> $1::text::vector(%d) LIMIT %d`, m.ID, dims, dims, k)
	methods := []struct {
		name string
		run  func(q query) (int, error)
	}{
		{"knn", func(q query) (int, error) {
			// The setting and the query in one batch, as retrieval sends
			// them: one round trip, one implicit transaction.
			batch := &pgx.Batch{}
			batch.Queue("SELECT set_config('hnsw.ef_search', '40', true)")
			batch.Queue(bare, store.VectorLiteral(q.vec))
			br := tx.SendBatch(ctx, batch)
			defer br.Close()
			if _, err := br.Exec(); err != nil {
				return 0, err
			}
			rows, err := br.Query()
			if err != nil {
				return 0, err
			}
			ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
			return len(ids), err
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
		{"langchaingo", func(q query) (int, error) {
			docs, err := lc.SimilaritySearch(ctx, q.text, k)
			return len(docs), err
		}},
	}
	if out := os.Getenv("CIVITAS_BENCH_EXPLAIN"); out != "" {
		writePlans(b, tx, st, m, out, bare, qs[0].text, qs[0].vec, everyone)
	}
	lat := make(map[string][]time.Duration)
	measure := func(meth string, run func(query) (int, error), q query) {
		t0 := time.Now()
		n, err := run(q)
		if err != nil {
			b.Fatalf("%s: %v", meth, err)
		}
		if n != k && meth != "lexical" {
			b.Fatalf("%s returned %d rows, want %d", meth, n, k)
		}
		lat[meth] = append(lat[meth], time.Since(t0))
	}
	order := rand.New(rand.NewPCG(3, 7))
	for b.Loop() {
		// Our methods and the KNN anchor run in a new random order for
		// each query, so that none always pays for what the one before
		// left behind (or profits). langchaingo's SimilaritySearch reads
		// the whole table, evicting the others' index pages: it runs in a
		// pass of its own. Interleaved in a fixed rotation, it ran just
		// before the KNN anchor five queries in six, which made the anchor
		// slower than our vector retrieval (which does more).
		ours, lc := methods[:len(methods)-1], methods[len(methods)-1]
		for _, q := range qs {
			order.Shuffle(len(ours), func(i, j int) { ours[i], ours[j] = ours[j], ours[i] })
			for _, meth := range ours {
				measure(meth.name, meth.run, q)
			}
		}
		for _, q := range qs {
			measure(lc.name, lc.run, q)
		}
	}
	pct := func(name string, p float64) benchmark.Figure {
		s := slices.Sorted(slices.Values(lat[name]))
		return benchmark.Figure{Value: float64(s[min(len(s)-1, int(p*float64(len(s))))].Microseconds()) / 1000, Unit: "ms"}
	}
	size := fmt.Sprintf("%dk chunks", total/1000)
	for _, meth := range methods {
		p50, p95 := pct(meth.name, 0.5), pct(meth.name, 0.95)
		b.ReportMetric(p50.Value, meth.name+"-p50-ms")
		b.ReportMetric(p95.Value, meth.name+"-p95-ms")
		benchmark.Record(b, fmt.Sprintf("%s p50, %s", meth.name, size), p50)
		benchmark.Record(b, fmt.Sprintf("%s p95, %s", meth.name, size), p95)
	}
	for _, p := range []float64{0.5, 0.95} {
		pn := fmt.Sprintf("p%.0f", p*100)
		benchmark.Target(b, benchmark.Compare(fmt.Sprintf("hybrid / bare KNN %s, %s", pn, size), pct("hybrid", p), pct("knn", p), benchmark.AtMost(2)))
		benchmark.Target(b, benchmark.Compare(fmt.Sprintf("filtered hybrid / bare KNN %s, %s", pn, size), pct("hybrid-filtered", p), pct("knn", p), benchmark.AtMost(3)))
	}
	for _, ours := range []string{"vector", "hybrid"} {
		benchmark.Target(b, benchmark.Speedup(fmt.Sprintf("%s vs langchaingo SimilaritySearch p50, %s", ours, size),
			pct(ours, 0.5), pct("langchaingo", 0.5), benchmark.AtLeast(50)))
	}
}

// queryVectors is langchaingo's embedder in the benchmark: the precomputed
// vector of each query text.
type queryVectors map[string][]float32

func (v queryVectors) EmbedDocuments(_ context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	for i, t := range texts {
		out[i] = v[t]
	}
	return out, nil
}

func (v queryVectors) EmbedQuery(_ context.Context, t string) ([]float32, error) {
	if v[t] == nil {
		return nil, fmt.Errorf("no vector for query %q", t)
	}
	return v[t], nil
}

// txConn lets langchaingo work inside the benchmark's transaction (it
// pings its connection first; a transaction has nothing to ping).
type txConn struct{ pgx.Tx }

func (txConn) Ping(context.Context) error { return nil }

// langchaingoStore creates langchaingo's pgvector store with its default
// tables and options, and copies every chunk and vector of model m into
// it: what AddDocuments would have written, in one statement.
func langchaingoStore(b *testing.B, tx pgx.Tx, emb queryVectors, m store.EmbeddingModel, dims int) lcpgvector.Store {
	b.Helper()
	ctx := context.Background()
	lc, err := lcpgvector.New(ctx, lcpgvector.WithConn(txConn{tx}), lcpgvector.WithEmbedder(emb),
		lcpgvector.WithVectorDimensions(dims), lcpgvector.WithCollectionName("bench"))
	if err != nil {
		b.Fatalf("langchaingo pgvector store: %v", err)
	}
	_, err = tx.Exec(ctx, `INSERT INTO langchain_pg_embedding (collection_id, embedding, document, cmetadata, uuid)
		SELECT (SELECT uuid FROM langchain_pg_collection WHERE name = 'bench'), e.embedding, c.content, '{}'::json, gen_random_uuid()
		FROM embeddings e JOIN chunks c ON c.id = e.chunk_id WHERE e.model_id = $1`, m.ID)
	if err != nil {
		b.Fatalf("fill langchaingo's table: %v", err)
	}
	if _, err := tx.Exec(ctx, "ANALYZE langchain_pg_embedding"); err != nil {
		b.Fatal(err)
	}
	return lc
}

// writePlans writes the EXPLAIN ANALYZE of the bare KNN and of a vector,
// lexical, hybrid and filtered hybrid query to file, for finding where the
// time goes (and checking that the anchor walks the model's HNSW index).
func writePlans(b *testing.B, tx pgx.Tx, st *store.Store, m store.EmbeddingModel, file, bare, text string, vec []float32, f store.RetrieveFilter) {
	b.Helper()
	ctx := context.Background()
	var plans strings.Builder
	// Each plan is taken twice and the second kept: the first run of a
	// query pays for reading the index into memory.
	var plan []string
	for range 2 {
		batch := &pgx.Batch{}
		batch.Queue("SELECT set_config('hnsw.ef_search', '40', true)")
		batch.Queue("EXPLAIN (ANALYZE, BUFFERS OFF, TIMING ON) "+bare, store.VectorLiteral(vec))
		br := tx.SendBatch(ctx, batch)
		if _, err := br.Exec(); err != nil {
			b.Fatal(err)
		}
		rows, err := br.Query()
		if err != nil {
			b.Fatal(err)
		}
		if plan, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
			b.Fatal(err)
		}
		if err := br.Close(); err != nil {
			b.Fatal(err)
		}
	}
	fmt.Fprintf(&plans, "bare KNN:\n%s\n\n", strings.Join(plan, "\n"))
	filtered := store.RetrieveFilter{Collections: []string{"bench"}, Groups: []string{"g3"}}
	for _, p := range []struct {
		mode string
		f    store.RetrieveFilter
	}{{"vector", f}, {"lexical", f}, {"hybrid", f}, {"hybrid", filtered}} {
		var plan string
		for range 2 {
			var err error
			plan, err = st.ExplainAnalyzeRetrieve(ctx, p.mode, m, store.RetrieveQuery{RetrieveFilter: p.f, Text: text, Vector: vec, K: 10})
			if err != nil {
				b.Fatal(err)
			}
		}
		fmt.Fprintf(&plans, "%s (groups %v) %q:\n%s\n\n", p.mode, p.f.Groups, text, plan)
	}
	if err := os.WriteFile(file, []byte(plans.String()), 0o644); err != nil {
		b.Fatal(err)
	}
}
