package store_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/civitas-eu/civitas/internal/dbtest"
	"github.com/civitas-eu/civitas/internal/store"
)

// seedDoc is a document to store for a retrieval test, with one vector per
// chunk.
type seedDoc struct {
	name       string
	collection string
	lang       string // "de", "en", "fr" or "" (simple)
	date       *time.Time
	groups     []string
	chunks     []string
	vecs       [][]float32
}

var tsConfigs = map[string]string{"de": "german", "en": "english", "fr": "french", "": "simple"}

// corpus is a seeded store: documents by name, and chunk ids by
// "name#ordinal".
type corpus struct {
	st     *store.Store
	tx     pgx.Tx
	model  store.EmbeddingModel
	docs   map[string]store.Document
	chunks map[string]int64
	names  map[int64]string // chunk id → "name#ordinal"
}

func seed(tb testing.TB, dims int, docs []seedDoc) *corpus {
	tb.Helper()
	ctx := context.Background()
	tx := dbtest.Tx(tb)
	st, err := store.New(tx)
	if err != nil {
		tb.Fatal(err)
	}
	m, err := st.RegisterEmbeddingModel(ctx, "test-embed", dims, "")
	if err != nil {
		tb.Fatal(err)
	}
	c := &corpus{st: st, tx: tx, model: m, docs: map[string]store.Document{}, chunks: map[string]int64{}, names: map[int64]string{}}
	for _, d := range docs {
		chunks := make([]store.Chunk, len(d.chunks))
		for i, text := range d.chunks {
			chunks[i] = store.Chunk{Content: text, TokenCount: len(strings.Fields(text)), PageStart: intp(i + 1), PageEnd: intp(i + 1)}
		}
		sum := sha256.Sum256([]byte(d.name))
		doc, ids, err := st.InsertDocument(ctx, store.Document{
			Collection: d.collection, SourceURI: "/docs/" + d.name + ".pdf", Title: d.name, MediaType: "application/pdf",
			Language: d.lang, TSConfig: tsConfigs[d.lang], ContentHash: sum[:], SizeBytes: 1,
			SourceModifiedAt: d.date, AccessGroups: d.groups,
		}, chunks)
		if err != nil {
			tb.Fatalf("insert %s: %v", d.name, err)
		}
		if len(d.vecs) > 0 {
			if err := st.UpsertEmbeddings(ctx, m, ids, d.vecs); err != nil {
				tb.Fatalf("embeddings of %s: %v", d.name, err)
			}
		}
		c.docs[d.name] = doc
		for i, id := range ids {
			key := d.name + "#" + strconv.Itoa(i)
			c.chunks[key] = id
			c.names[id] = key
		}
	}
	return c
}

// run retrieves in the given mode.
func (c *corpus) run(tb testing.TB, mode string, q store.RetrieveQuery) []store.Retrieved {
	tb.Helper()
	ctx := context.Background()
	var hits []store.Retrieved
	var err error
	switch mode {
	case "lexical":
		hits, err = c.st.RetrieveLexical(ctx, q)
	case "vector":
		hits, err = c.st.RetrieveVector(ctx, c.model, q)
	case "hybrid":
		hits, err = c.st.RetrieveHybrid(ctx, c.model, q)
	default:
		tb.Fatalf("unknown mode %s", mode)
	}
	if err != nil {
		tb.Fatalf("%s retrieval: %v", mode, err)
	}
	return hits
}

// keys names the hits "doc#ordinal", in order.
func (c *corpus) keys(hits []store.Retrieved) []string {
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = c.names[h.ChunkID]
	}
	return out
}

// docNames returns the sorted, distinct document names of hits.
func (c *corpus) docNames(hits []store.Retrieved) []string {
	set := map[string]bool{}
	for _, h := range hits {
		name, _, _ := strings.Cut(c.names[h.ChunkID], "#")
		set[name] = true
	}
	return slices.Sorted(maps.Keys(set))
}

func day(s string) *time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return &t
}

// bylaws is a small multilingual corpus whose vectors point along known
// axes, so that each chunk's nearest neighbour is known.
func bylaws(t *testing.T) *corpus {
	const d = 16
	return seed(t, d, []seedDoc{
		{name: "hund", collection: "satzung", lang: "de", date: day("2020-01-01"), chunks: []string{
			"Die Hundesteuer beträgt im Kalenderjahr für jeden Hund 165,00 Euro.",
			"Für das Halten eines Kampfhundes beträgt der Steuersatz 900,00 Euro.",
			"Die Hundesteuermarke wird bei Verlust gegen eine Gebühr ersetzt.",
		}, vecs: [][]float32{unit(d, 0, 0.1), unit(d, 1, 0.1), unit(d, 2, 0.1)}},
		{name: "streu", collection: "satzung", lang: "de", date: day("2021-06-01"), chunks: []string{
			"Gehwege sind werktags bis 7 Uhr zu räumen und bei Glätte zu bestreuen.",
			"Ordnungswidrig handelt, wer die Streupflicht verletzt; die Geldbuße beträgt höchstens 500 Euro.",
		}, vecs: [][]float32{unit(d, 3, 0.1), unit(d, 4, 0.1)}},
		{name: "aiact", collection: "eu", lang: "en", date: day("2024-01-26"), chunks: []string{
			"This Regulation shall enter into force on the twentieth day following that of its publication.",
			"Non-compliance with the prohibited AI practices is subject to fines of up to 35 million EUR.",
		}, vecs: [][]float32{unit(d, 5, 0.1), unit(d, 6, 0.1)}},
		{name: "subvention", collection: "ville", lang: "fr", date: day("2014-02-17"), groups: []string{"finance"}, chunks: []string{
			"Les structures bénéficiaires d’une subvention supérieure à 3 000 € signent une convention d'objectifs.",
			"Le conseil municipal a voté l'attribution des subventions aux associations.",
		}, vecs: [][]float32{unit(d, 7, 0.1), unit(d, 8, 0.1)}},
		{name: "personal", collection: "satzung", lang: "de", groups: []string{"personal"}, chunks: []string{
			"Vermerk: Die Hundesteuer des Bürgermeisters wird gestundet.",
		}, vecs: [][]float32{unit(d, 0, 0.05)}},
	})
}

func TestRetrieveFindsExpectedChunk(t *testing.T) {
	t.Parallel()
	c := bylaws(t)
	const d = 16
	tests := []struct {
		name   string
		mode   string
		text   string
		qcfg   string
		vector []float32
		groups []string
		want   string   // the expected first hit
		absent []string // chunks that must not be returned
	}{
		{name: "lexical stems German", mode: "lexical", text: "Wie hoch ist die Hundesteuer für einen Hund?", qcfg: "german",
			want: "hund#0", absent: []string{"personal#0"}},
		{name: "lexical long question, words missing from the passage", mode: "lexical",
			text: "Welche Geldbuße droht einem Anlieger in Bad Boll, wenn er im Winter seine Streupflicht auf den Gehwegen verletzt?",
			qcfg: "german", want: "streu#1"},
		{name: "lexical German question, English passage", mode: "lexical",
			text: "Wann tritt die Regulation in Kraft (enter into force)?", qcfg: "german", want: "aiact#0"},
		{name: "lexical French elision, caller in group", mode: "lexical", groups: []string{"finance"},
			text: "À partir de quel montant une subvention impose-t-elle une convention ?", qcfg: "french", want: "subvention#0"},
		{name: "lexical group document hidden from others", mode: "lexical",
			text: "À partir de quel montant une subvention impose-t-elle une convention ?", qcfg: "french",
			absent: []string{"subvention#0", "subvention#1"}},
		{name: "lexical quoted phrase ranks first", mode: "lexical", text: `Euro "Steuersatz 900,00"`, qcfg: "german", want: "hund#1"},
		{name: "lexical excluded word", mode: "lexical", text: "Steuersatz Hundesteuer -Kampfhundes", qcfg: "german",
			want: "hund#0", absent: []string{"hund#1"}},
		{name: "vector nearest", mode: "vector", vector: unit(d, 4, 0.05), want: "streu#1"},
		{name: "vector skips invisible neighbour", mode: "vector", vector: unit(d, 0, 0.05), want: "hund#0", absent: []string{"personal#0"}},
		{name: "vector sees neighbour with group", mode: "vector", vector: unit(d, 0, 0.05), groups: []string{"personal"}, want: "personal#0"},
		{name: "hybrid both sides agree", mode: "hybrid", text: "Hundesteuer Kalenderjahr", qcfg: "german", vector: unit(d, 0, 0.1), want: "hund#0"},
		{name: "hybrid text alone", mode: "hybrid", text: "Geldbuße Streupflicht", qcfg: "german", vector: unit(d, 6, 0.1), want: "streu#1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vec := tt.vector
			if vec == nil && tt.mode != "lexical" {
				vec = unit(d, 15, 0)
			}
			hits := c.run(t, tt.mode, store.RetrieveQuery{
				RetrieveFilter: store.RetrieveFilter{Groups: tt.groups},
				Text:           tt.text, QuestionConfig: tt.qcfg, Vector: vec, K: 5,
			})
			got := c.keys(hits)
			if tt.want != "" && (len(got) == 0 || got[0] != tt.want) {
				t.Errorf("got %v, want %s first", got, tt.want)
			}
			for _, a := range tt.absent {
				if slices.Contains(got, a) {
					t.Errorf("got %v, must not contain %s", got, a)
				}
			}
			for i, h := range hits {
				if i > 0 && h.Score > hits[i-1].Score {
					t.Errorf("scores not descending: %v", got)
				}
			}
		})
	}
}

func TestRetrieveHybridReportsBothRanks(t *testing.T) {
	t.Parallel()
	c := bylaws(t)
	hits := c.run(t, "hybrid", store.RetrieveQuery{Text: "Hundesteuer Kalenderjahr", QuestionConfig: "german", Vector: unit(16, 0, 0.1), K: 3})
	if len(hits) == 0 {
		t.Fatal("no hits")
	}
	h := hits[0]
	if h.LexicalRank != 1 || h.VectorRank != 1 {
		t.Errorf("first hit ranks: lexical %d, vector %d; want 1 and 1", h.LexicalRank, h.VectorRank)
	}
	if want := 2.0 / 61; math.Abs(h.Score-want) > 1e-9 {
		t.Errorf("fused score %v, want 2/61", h.Score)
	}
	doc := c.docs["hund"]
	if h.DocumentID != doc.ID || h.DocumentVersion != 1 || h.Title != "hund" || h.SourceURI != doc.SourceURI ||
		h.MediaType != "application/pdf" || h.Language != "de" || h.Ordinal != 0 || h.PageStart == nil || *h.PageStart != 1 ||
		!strings.Contains(h.Content, "165,00") {
		t.Errorf("first hit fields: %+v", h)
	}
}

func TestRetrieveEmptyQueries(t *testing.T) {
	t.Parallel()
	c := bylaws(t)
	ctx := context.Background()
	if _, err := c.st.RetrieveLexical(ctx, store.RetrieveQuery{Text: "  "}); err == nil {
		t.Error("lexical retrieval of an empty text: no error")
	}
	if _, err := c.st.RetrieveVector(ctx, c.model, store.RetrieveQuery{Vector: make([]float32, 3)}); err == nil {
		t.Error("vector of the wrong dimension: no error")
	}
	// Only stop words: the vector side answers alone.
	hits, err := c.st.RetrieveHybrid(ctx, c.model, store.RetrieveQuery{Text: "die der und", QuestionConfig: "german", Vector: unit(16, 3, 0.1), K: 1})
	if err != nil || len(hits) != 1 || c.names[hits[0].ChunkID] != "streu#0" {
		t.Errorf("hybrid with only stop words: %v, %v", c.keys(hits), err)
	}
}

func TestNeighbourChunks(t *testing.T) {
	t.Parallel()
	c := seed(t, 4, []seedDoc{{name: "long", lang: "de", chunks: []string{"null", "eins", "zwei", "drei", "vier"}}})
	ctx := context.Background()
	for _, tt := range []struct {
		ordinal, n int
		want       []string
	}{
		{2, 1, []string{"long#1", "long#2", "long#3"}},
		{0, 2, []string{"long#0", "long#1", "long#2"}},
		{4, 0, []string{"long#4"}},
		{3, 9, []string{"long#0", "long#1", "long#2", "long#3", "long#4"}},
	} {
		hits, err := c.st.NeighbourChunks(ctx, c.docs["long"].ID, tt.ordinal, tt.n, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := c.keys(hits); !slices.Equal(got, tt.want) {
			t.Errorf("around %d ± %d: %v, want %v", tt.ordinal, tt.n, got, tt.want)
		}
	}
}

// TestRetrieveUsesHNSWIndex checks that the vector side of both vector and
// hybrid retrieval can walk the model's partial HNSW index. The table is
// tiny, so sequential scans and sorts are disabled to ask the planner
// whether the query's shape allows the index at all.
func TestRetrieveUsesHNSWIndex(t *testing.T) {
	t.Parallel()
	c := bylaws(t)
	ctx := context.Background()
	for _, set := range []string{"SET LOCAL enable_seqscan = off", "SET LOCAL enable_sort = off"} {
		if _, err := c.tx.Exec(ctx, set); err != nil {
			t.Fatal(err)
		}
	}
	index := fmt.Sprintf("embeddings_hnsw_%d", c.model.ID)
	for _, mode := range []string{"vector", "hybrid"} {
		plan, err := c.st.ExplainRetrieve(ctx, mode, c.model, store.RetrieveQuery{
			RetrieveFilter: store.RetrieveFilter{Collections: []string{"satzung"}, Groups: []string{"x"}},
			Text:           "Hundesteuer", Vector: unit(16, 0, 0),
		})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(plan, "Index Scan using "+index) {
			t.Errorf("%s plan does not use %s:\n%s", mode, index, plan)
		}
		if mode == "hybrid" && !strings.Contains(plan, "chunks_tsv") {
			t.Errorf("hybrid plan does not use the full-text index:\n%s", plan)
		}
	}
}
