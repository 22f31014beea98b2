package retrieve

import (
	"slices"
	"testing"

	"github.com/civitas-eu/civitas/internal/store"
)

func chunkIDs(hs []store.Retrieved) []int64 {
	out := make([]int64, len(hs))
	for i, h := range hs {
		out[i] = h.ChunkID
	}
	return out
}

// TestFuseVotesByEvidenceOverTheNoiseFloor: candidates no better than what
// a side finds for an unrelated sentence do not move the ranking (plain
// reciprocal rank fusion let them push the text side's best hit down; they
// now only follow the candidates with evidence), and a side with evidence
// well above its floor wins where the other has none.
func TestFuseVotesByEvidenceOverTheNoiseFloor(t *testing.T) {
	lex := func(scores ...float64) []store.Retrieved {
		out := make([]store.Retrieved, len(scores))
		for i, s := range scores {
			out[i] = store.Retrieved{ChunkID: int64(1 + i), Score: s}
		}
		return out
	}
	vec := func(sims ...float64) []store.Retrieved {
		out := make([]store.Retrieved, len(sims))
		for i, s := range sims {
			out[i] = store.Retrieved{ChunkID: int64(101 + i), Similarity: s, Score: s}
		}
		return out
	}
	tests := []struct {
		name     string
		lex, vec []store.Retrieved
		f        floors
		want     []int64
	}{
		{"vector side at its floor (a meaningless model): full-text order kept",
			lex(20, 12, 9), vec(0.9999, 0.9998, 0.9), floors{lexical: 5, vector: 0.9999}, []int64{1, 2, 3, 101, 102, 103}},
		{"text side at its floor (a paraphrase): the vector side decides",
			lex(4, 3.5), vec(0.7, 0.45), floors{lexical: 5, vector: 0.2}, []int64{101, 102, 1, 2}},
		{"both with evidence: a chunk found by both comes first",
			lex(20, 12), append(vec(0.7), store.Retrieved{ChunkID: 2, Similarity: 0.75}), floors{lexical: 5, vector: 0.2}, []int64{2, 1, 101}},
		{"a chance match on the other side adds nothing",
			append(lex(20, 12), store.Retrieved{ChunkID: 3, Score: 11}), append(vec(0.15), store.Retrieved{ChunkID: 2, Similarity: 0.19}), floors{lexical: 5, vector: 0.2}, []int64{1, 2, 3, 101}},
		{"the probes match nothing in scope: every text match is evidence",
			lex(6, 2), vec(0.5), floors{vector: 0.2}, []int64{1, 101, 2}},
		{"no floors measured: plain fusion",
			lex(20), vec(0.9), floors{}, []int64{1, 101}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := fuse(tt.lex, tt.vec, 10, tt.f, 1)
			if !slices.Equal(chunkIDs(got), tt.want) {
				t.Errorf("fused %v, want %v", chunkIDs(got), tt.want)
			}
		})
	}
}

// TestFuseKeepsFullTextRatiosWhenVectorsBringNothing: with no vector
// candidate over its floor, hybrid must rank and cap per document exactly
// as full text does. The per-document cap compares scores as ratios (a
// document's fourth passage counts at half its score); reciprocal-rank
// scores squeezed those ratios, so the cap put another document's 17th
// text hit above the answer's document's fourth and fifth (question de-21
// of the shared QA set fell from full text's rank 5 to hybrid's 6).
func TestFuseKeepsFullTextRatiosWhenVectorsBringNothing(t *testing.T) {
	var lex []store.Retrieved
	for i, s := range []float64{28.9, 26.7, 23.1, 21.0, 18.9, 18.1, 17.2, 16.5, 15.9, 13.8} {
		lex = append(lex, store.Retrieved{ChunkID: int64(1 + i), DocumentID: 1, Score: s})
	}
	lex = append(lex, store.Retrieved{ChunkID: 50, DocumentID: 2, Score: 8.7})
	vec := []store.Retrieved{{ChunkID: 101, DocumentID: 3, Similarity: 0.9987}, {ChunkID: 102, DocumentID: 4, Similarity: 0.81}}
	passages := func(hs []store.Retrieved) []Passage {
		out := make([]Passage, len(hs))
		for i, h := range hs {
			out[i] = passageOf(h)
		}
		return capPerDocument(out, 3)
	}
	ids := func(ps []Passage) []int64 {
		out := make([]int64, 0, 10)
		for _, p := range ps[:min(10, len(ps))] {
			out = append(out, p.ChunkID)
		}
		return out
	}
	want := ids(passages(lex))
	got := ids(passages(fuse(lex, vec, 40, floors{lexical: 4.37, vector: 0.9999955}, 1)))
	if !slices.Equal(got, want) {
		t.Errorf("hybrid after the per-document cap %v, full text %v", got, want)
	}
}

// TestFuseWeighsTheVectorSide: the learnt weight multiplies the vector
// side's votes. A strong vector-only candidate (a chunk on the question's
// subject that does not answer it) leads at weight 1, the evidence fusion
// as it was; at weight 0 full text's order stands and vector-only
// candidates drop out; at 0.5 this vector candidate falls behind them.
func TestFuseWeighsTheVectorSide(t *testing.T) {
	lex := []store.Retrieved{{ChunkID: 1, Score: 6.1}, {ChunkID: 2, Score: 5.5}, {ChunkID: 3, Score: 5.2}}
	vec := []store.Retrieved{{ChunkID: 9, Similarity: 0.6}, {ChunkID: 3, Similarity: 0.55}}
	f := floors{lexical: 5.07, vector: 0.2}
	tests := []struct {
		w    float64
		want []int64
	}{
		{1, []int64{9, 3, 1, 2}},
		{0.5, []int64{1, 2, 3, 9}},
		{0, []int64{1, 2, 3}},
	}
	for _, tt := range tests {
		if got := chunkIDs(fuse(lex, vec, 10, f, tt.w)); !slices.Equal(got, tt.want) {
			t.Errorf("weight %v: fused %v, want %v", tt.w, got, tt.want)
		}
	}
}
