package store_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

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
