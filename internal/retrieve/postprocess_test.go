package retrieve

import (
	"slices"
	"testing"
)

func ids(ps []Passage) []int64 {
	out := make([]int64, len(ps))
	for i, p := range ps {
		out[i] = p.ChunkID
	}
	return out
}

func TestCollapseDuplicates(t *testing.T) {
	t.Parallel()
	boiler := "Diese Satzung tritt am Tag nach ihrer öffentlichen Bekanntmachung in Kraft. Gleichzeitig tritt die Satzung vom 1. Januar 2001 außer Kraft."
	ps := []Passage{
		{ChunkID: 1, DocumentID: 1, Text: boiler},
		{ChunkID: 2, DocumentID: 2, Text: "Die Hundesteuer beträgt 165 Euro im Jahr."},
		// The same boilerplate with other line breaks, case and punctuation.
		{ChunkID: 3, DocumentID: 3, Text: "DIESE SATZUNG tritt am Tag nach ihrer öffentlichen\nBekanntmachung in Kraft; gleichzeitig tritt die Satzung vom 1. Januar 2001 außer Kraft"},
		// Boilerplate with another date: most shingles differ from it.
		{ChunkID: 4, DocumentID: 4, Text: "Diese Satzung tritt am 3. März 2019 in Kraft."},
	}
	if got := ids(collapseDuplicates(slices.Clone(ps), 0.9)); !slices.Equal(got, []int64{1, 2, 4}) {
		t.Errorf("collapsed to %v, want [1 2 4]", got)
	}
	if got := ids(collapseDuplicates(slices.Clone(ps), -1)); len(got) != 4 {
		t.Errorf("threshold -1 kept %v, want all", got)
	}
}

func TestJaccard(t *testing.T) {
	t.Parallel()
	a := shingles("eins zwei drei vier")
	b := shingles("eins zwei drei fünf")
	if got := jaccard(a, b); got != 1.0/3 { // {eins zwei drei} shared of 3 distinct shingles
		t.Errorf("jaccard = %v, want 1/3", got)
	}
	if got := jaccard(shingles(""), shingles("")); got != 1 {
		t.Errorf("jaccard of two empty texts = %v, want 1", got)
	}
	if got := jaccard(shingles("kurz"), shingles("kurz")); got != 1 {
		t.Errorf("jaccard of one-word texts = %v, want 1", got)
	}
}

func TestCapPerDocument(t *testing.T) {
	t.Parallel()
	ps := []Passage{
		{ChunkID: 1, DocumentID: 1, Score: 10},
		{ChunkID: 2, DocumentID: 1, Score: 9},
		{ChunkID: 3, DocumentID: 1, Score: 8},
		{ChunkID: 4, DocumentID: 2, Score: 6},   // at least half of 8: goes ahead of 3
		{ChunkID: 5, DocumentID: 1, Score: 5},   // beyond the cap of 2
		{ChunkID: 6, DocumentID: 3, Score: 2},   // weaker than half of 5: stays behind it
		{ChunkID: 7, DocumentID: 2, Score: 1.5}, // within the cap
	}
	if got := ids(capPerDocument(slices.Clone(ps), 2)); !slices.Equal(got, []int64{1, 2, 4, 3, 5, 6, 7}) {
		t.Errorf("capped order %v, want [1 2 4 3 5 6 7]", got)
	}
	if got := ids(capPerDocument(slices.Clone(ps), -1)); !slices.Equal(got, ids(ps)) {
		t.Errorf("no cap changed the order: %v", got)
	}
}
