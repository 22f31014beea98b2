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
// reciprocal rank fusion let them push the text side's best hit down), and
// a side with evidence well above its floor wins where the other has none.
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
			lex(20, 12, 9), vec(0.9999, 0.9998, 0.9), floors{lexical: 5, vector: 0.9999}, []int64{1, 2, 3}},
		{"text side at its floor (a paraphrase): the vector side decides",
			lex(4, 3.5), vec(0.7, 0.45), floors{lexical: 5, vector: 0.2}, []int64{101, 102}},
		{"both with evidence: a chunk found by both comes first",
			lex(20, 12), append(vec(0.7), store.Retrieved{ChunkID: 2, Similarity: 0.75}), floors{lexical: 5, vector: 0.2}, []int64{2, 1, 101}},
		{"no floors measured: plain fusion",
			lex(20), vec(0.9), floors{}, []int64{1, 101}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := fuse(tt.lex, tt.vec, 10, tt.f)
			if !slices.Equal(chunkIDs(got), tt.want) {
				t.Errorf("fused %v, want %v", chunkIDs(got), tt.want)
			}
		})
	}
}
