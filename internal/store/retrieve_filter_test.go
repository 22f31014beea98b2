package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/civitas-eu/civitas/internal/store"
)

// Filters and access groups in retrieval.

// filterCorpus stores documents that differ in every filtered attribute;
// every chunk holds the word "civitas", so that a search for it returns
// exactly the visible chunks.
func filterCorpus(t *testing.T) *corpus {
	const d = 8
	rng := rand.New(rand.NewPCG(1, 2))
	vec := func() []float32 { return randomUnit(rng, d) }
	doc := func(name, coll, lang string, date *time.Time, groups ...string) seedDoc {
		return seedDoc{name: name, collection: coll, lang: lang, date: date, groups: groups,
			chunks: []string{"civitas erste Seite " + name, "civitas second page " + name},
			vecs:   [][]float32{vec(), vec()}}
	}
	return seed(t, d, []seedDoc{
		doc("a-de-2019", "a", "de", day("2019-05-01")),
		doc("a-en-2021", "a", "en", day("2021-05-01")),
		doc("b-fr-2023", "b", "fr", day("2023-05-01")),
		doc("b-de-now", "b", "de", nil), // dated by its ingest time
		doc("b-de-hr", "b", "de", day("2022-01-01"), "hr"),
	})
}

func TestRetrieveFilters(t *testing.T) {
	t.Parallel()
	c := filterCorpus(t)
	all := []string{"a-de-2019", "a-en-2021", "b-de-now", "b-fr-2023"}
	tests := []struct {
		name   string
		filter store.RetrieveFilter
		want   []string
	}{
		{"none", store.RetrieveFilter{}, all},
		{"collection", store.RetrieveFilter{Collections: []string{"a"}}, []string{"a-de-2019", "a-en-2021"}},
		{"two collections", store.RetrieveFilter{Collections: []string{"a", "b"}}, all},
		{"unknown collection", store.RetrieveFilter{Collections: []string{"zzz"}}, nil},
		{"language", store.RetrieveFilter{Languages: []string{"de"}}, []string{"a-de-2019", "b-de-now"}},
		{"languages", store.RetrieveFilter{Languages: []string{"en", "fr"}}, []string{"a-en-2021", "b-fr-2023"}},
		{"from", store.RetrieveFilter{From: day("2021-05-01")}, []string{"a-en-2021", "b-de-now", "b-fr-2023"}},
		{"to", store.RetrieveFilter{To: day("2021-05-01")}, []string{"a-de-2019", "a-en-2021"}},
		{"range", store.RetrieveFilter{From: day("2020-01-01"), To: day("2023-12-31")}, []string{"a-en-2021", "b-fr-2023"}},
		{"documents", store.RetrieveFilter{DocumentIDs: []int64{c.docs["a-de-2019"].ID, c.docs["b-fr-2023"].ID}}, []string{"a-de-2019", "b-fr-2023"}},
		{"group", store.RetrieveFilter{Groups: []string{"hr"}}, append(slices.Clone(all), "b-de-hr")},
		{"group and scope", store.RetrieveFilter{Groups: []string{"hr"}, DocumentIDs: []int64{c.docs["b-de-hr"].ID}}, []string{"b-de-hr"}},
		{"scope to a hidden document", store.RetrieveFilter{DocumentIDs: []int64{c.docs["b-de-hr"].ID}}, nil},
		{"all at once", store.RetrieveFilter{Collections: []string{"b"}, Languages: []string{"de"}, From: day("2021-01-01"), Groups: []string{"hr", "x"}}, []string{"b-de-hr", "b-de-now"}},
	}
	for _, tt := range tests {
		for _, mode := range []string{"lexical", "vector", "hybrid"} {
			t.Run(tt.name+"/"+mode, func(t *testing.T) {
				hits := c.run(t, mode, store.RetrieveQuery{RetrieveFilter: tt.filter, Text: "civitas", Vector: randomUnit(rand.New(rand.NewPCG(3, 4)), 8), K: 50})
				got := c.docNames(hits)
				want := slices.Sorted(slices.Values(tt.want))
				if !slices.Equal(got, want) {
					t.Errorf("documents %v, want %v", got, want)
				}
				if len(want) > 0 && len(hits) != 2*len(want) {
					t.Errorf("%d chunks, want %d", len(hits), 2*len(want))
				}
			})
		}
	}
}

// TestRetrieveAccessGroupsProperty stores documents with random group sets
// and asks as random callers: through every mode, a caller gets exactly the
// chunks of public documents and of documents sharing a group with them,
// never another.
func TestRetrieveAccessGroupsProperty(t *testing.T) {
	t.Parallel()
	const (
		d       = 8
		numDocs = 40
		callers = 40
	)
	rng := rand.New(rand.NewPCG(7, 11))
	groups := []string{"hr", "finance", "council", "it", "legal"}
	subset := func() []string {
		var out []string
		for _, g := range groups {
			if rng.IntN(4) == 0 {
				out = append(out, g)
			}
		}
		return out
	}
	docs := make([]seedDoc, numDocs)
	docGroups := map[string][]string{}
	for i := range docs {
		name := fmt.Sprintf("doc%02d", i)
		g := subset()
		docGroups[name] = g
		docs[i] = seedDoc{name: name, collection: "acl", lang: []string{"de", "en", "fr"}[i%3], groups: g,
			chunks: []string{"civitas vertraulich " + name, "civitas confidential " + name},
			vecs:   [][]float32{randomUnit(rng, d), randomUnit(rng, d)}}
	}
	c := seed(t, d, docs)
	for i := range callers {
		caller := subset()
		var want []string
		for name, g := range docGroups {
			if len(g) == 0 || slices.ContainsFunc(g, func(x string) bool { return slices.Contains(caller, x) }) {
				want = append(want, name)
			}
		}
		slices.Sort(want)
		q := store.RetrieveQuery{RetrieveFilter: store.RetrieveFilter{Groups: caller}, Text: "civitas", Vector: randomUnit(rng, d), K: 2 * numDocs}
		for _, mode := range []string{"lexical", "vector", "hybrid"} {
			hits := c.run(t, mode, q)
			got := c.docNames(hits)
			for _, name := range got {
				if !slices.Contains(want, name) {
					t.Fatalf("caller %d %v, %s: sees %s with groups %v", i, caller, mode, name, docGroups[name])
				}
			}
			if !slices.Equal(got, want) {
				t.Errorf("caller %d %v, %s: sees %v, want %v", i, caller, mode, got, want)
			}
		}
		for _, name := range []string{"doc00", "doc01", "doc02"} {
			n, err := c.st.NeighbourChunks(context.Background(), c.docs[name].ID, 0, 1, caller)
			if err != nil {
				t.Fatal(err)
			}
			if visible := slices.Contains(want, name); visible != (len(n) == 2) || !visible && len(n) != 0 {
				t.Errorf("caller %v: %d neighbour chunks of %s (groups %v)", caller, len(n), name, docGroups[name])
			}
		}
	}
}
