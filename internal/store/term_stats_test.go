package store_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/civitas-eu/civitas/internal/dbtest"
	"github.com/civitas-eu/civitas/internal/store"
)

// termStatsDrift returns the lexemes (and the chunk count, as "") whose
// df in term_stats differs from a count over the chunks themselves.
func termStatsDrift(t *testing.T, db interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}) []string {
	t.Helper()
	rows, err := db.Query(context.Background(), `
		WITH truth AS (
			SELECT word AS lexeme, ndoc::bigint AS df FROM ts_stat('SELECT tsv FROM chunks')
			UNION ALL SELECT '', count(*) FROM chunks HAVING count(*) > 0
		), kept AS (
			SELECT lexeme, sum(df)::bigint AS df FROM term_stats GROUP BY lexeme HAVING sum(df) <> 0
		)
		SELECT coalesce(t.lexeme, k.lexeme) || ': ' || coalesce(t.df, 0) || ' chunks, term_stats ' || coalesce(k.df, 0)
		FROM truth t FULL JOIN kept k ON k.lexeme = t.lexeme
		WHERE t.df IS DISTINCT FROM k.df`)
	if err != nil {
		t.Fatal(err)
	}
	drift, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return drift
}

// TestTermStatsFollowConcurrentWrites: four writers store, replace and
// delete documents at once while compactions run; afterwards term_stats
// holds exactly each lexeme's number of chunks and the number of chunks
// (no lost update, no deadlock), and a last compaction leaves one row per
// lexeme.
func TestTermStatsFollowConcurrentWrites(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.Migrated(t)
	st, err := store.New(pool)
	if err != nil {
		t.Fatal(err)
	}
	m, err := st.RegisterEmbeddingModel(ctx, "stats-embed", 8, "")
	if err != nil {
		t.Fatal(err)
	}
	// The migrated database is shared with other tests: a collection and a
	// word of this run's own.
	coll := dbtest.UniqueName("stats-")
	word := "w" + strings.ToLower(strings.NewReplacer("-", "", "_", "").Replace(coll))
	if _, err := st.EnsureCollection(ctx, coll); err != nil {
		t.Fatal(err)
	}
	version := func(w, d, rev int) store.NewVersion {
		src := fmt.Sprintf("/w%d/d%d", w, d)
		var chunks []store.Chunk
		var vecs [][]float32
		for c := range 3 {
			chunks = append(chunks, store.Chunk{Content: fmt.Sprintf("Gebühr Satzung %s wort%d rev%d schreiber%d abschnitt%d", word, d, rev, w, c), TokenCount: 6})
			vecs = append(vecs, unit(8, c, 0.1))
		}
		sum := [32]byte{byte(w), byte(d), byte(rev)}
		return store.NewVersion{Model: m, Chunks: chunks, Vectors: vecs,
			Document: store.Document{Collection: coll, SourceURI: src, MediaType: "text/plain", ContentHash: sum[:]}}
	}
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for w := range 4 {
		wg.Go(func() {
			var batch []store.NewVersion
			for d := range 6 {
				batch = append(batch, version(w, d, 0))
			}
			docs, err := st.WriteVersions(ctx, batch)
			if err != nil {
				errs <- err
				return
			}
			// Replace two, delete one, compact.
			for d := range 2 {
				prev := store.CurrentVersion{ID: docs[d].ID, Version: 1}
				nv := version(w, d, 1)
				nv.Previous = &prev
				if _, err := st.WriteVersion(ctx, nv); err != nil {
					errs <- err
					return
				}
			}
			if _, err := st.DeleteDocument(ctx, docs[5].ID); err != nil {
				errs <- err
				return
			}
			if _, err := st.CompactTermStats(ctx); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if drift := termStatsDrift(t, pool); len(drift) > 0 {
		t.Fatalf("term_stats differs from the chunks: %v", drift)
	}
	if _, err := st.CompactTermStats(ctx); err != nil {
		t.Fatal(err)
	}
	var rows, lexemes int
	if err := pool.QueryRow(ctx, "SELECT count(*), count(DISTINCT lexeme) FROM term_stats WHERE lexeme = $1", word).Scan(&rows, &lexemes); err != nil {
		t.Fatal(err)
	}
	if rows != lexemes {
		t.Errorf("after compaction term_stats has %d rows for %d lexemes, want one each", rows, lexemes)
	}
	if drift := termStatsDrift(t, pool); len(drift) > 0 {
		t.Fatalf("term_stats differs from the chunks after compaction: %v", drift)
	}
}

// TestLexicalRankingSameFromTermStats: a caller who sees every chunk gets
// document frequencies from term_stats, one who does not counts them in
// the full-text index; over the same visible chunks the scores are the
// same to the last bit. A document the second caller may not see, with
// no chunks, changes neither figure but turns the counting on.
func TestLexicalRankingSameFromTermStats(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := seed(t, 8, []seedDoc{
		{name: "a", collection: "c", lang: "de", chunks: []string{"Die Hundesteuer beträgt 120 Euro im Jahr.", "Hunde sind anzumelden.", "Die Satzung gilt ab 2024."}},
		{name: "b", collection: "c", lang: "de", chunks: []string{"Die Gebühr für den Bewohnerparkausweis beträgt 30 Euro.", "Steuer und Gebühr sind zu zahlen."}},
		{name: "e", collection: "c", lang: "en", chunks: []string{"The dog tax is 120 euros a year.", "Fees are paid at the citizens' office."}},
	})
	q := store.RetrieveQuery{Text: "Wie hoch ist die Hundesteuer in Euro pro Jahr", QuestionConfig: "german", K: 10}
	fast := c.run(t, "lexical", q)
	if len(fast) == 0 {
		t.Fatal("no lexical hits")
	}
	if _, _, err := c.st.InsertDocument(ctx, store.Document{Collection: "c", SourceURI: "/hidden", MediaType: "text/plain",
		ContentHash: make([]byte, 32), AccessGroups: []string{"secret"}}, nil); err != nil {
		t.Fatal(err)
	}
	slow := c.run(t, "lexical", q)
	if len(slow) != len(fast) {
		t.Fatalf("%d hits counting, %d from term_stats", len(slow), len(fast))
	}
	for i := range fast {
		if fast[i].ChunkID != slow[i].ChunkID || fast[i].Score != slow[i].Score {
			t.Errorf("hit %d: from term_stats chunk %d score %v, counting chunk %d score %v",
				i, fast[i].ChunkID, fast[i].Score, slow[i].ChunkID, slow[i].Score)
		}
	}
}
