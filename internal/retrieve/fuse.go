package retrieve

import (
	"cmp"
	"slices"

	"github.com/civitas-eu/civitas/internal/store"
)

// Fusion of the two sides of a hybrid search.
//
// Plain reciprocal rank fusion trusts both sides equally on every
// question. With an embedding model that means little for the question's
// language (an English model on German text) or nothing at all (a random
// test model), its neighbours are noise, and giving noise half the vote
// pushes good full-text results down: hybrid then scores below full text
// alone. So the vector side votes in proportion to the evidence it brings
// on this question, measured without any labelled data:
//
//   - Agreement. A vector neighbour that the full-text side also found
//     among its candidates is corroborated. Among thousands of chunks two
//     unrelated rankers share almost none of their top candidates by chance
//     (chanceOverlap), so the number of the vector side's first
//     agreeWindow chunks that the text side also found, beyond chance,
//     says how much the vector ranking means for this question, for this
//     model, in this language — no per-model threshold to calibrate.
//   - A question with no full-text candidates (nothing matched) has no
//     one to agree with: the vector side then decides alone.
//
// The vector side's weight is agreement/agreeFull, capped at 1; at zero,
// hybrid returns the full-text ranking unchanged, so it can never be worse
// than full text alone.
const (
	rrfK        = 60 // the usual reciprocal rank fusion constant: 1/(60+rank)
	candidates  = 40 // at least this many hits are fetched from each side
	agreeWindow = 10 // vector neighbours checked against the text side's candidates
	agreeFull   = 2  // corroborated neighbours at which the vector side gets its full vote
)

// fuse merges the text side's and the vector side's hits (each best first)
// into one ranking of at most k, best first. Each hit keeps its rank on
// both sides and its similarity, for the answer's evidence checks.
func fuse(lex, vec []store.Retrieved, k int) []store.Retrieved {
	type entry struct {
		hit   store.Retrieved
		score float64
	}
	byID := make(map[int64]*entry, len(lex)+len(vec))
	order := make([]int64, 0, len(lex)+len(vec))
	get := func(h store.Retrieved) *entry {
		e, ok := byID[h.ChunkID]
		if !ok {
			e = &entry{hit: h}
			e.hit.LexicalRank, e.hit.VectorRank, e.hit.Similarity = 0, 0, 0
			byID[h.ChunkID] = e
			order = append(order, h.ChunkID)
		}
		return e
	}
	for i, h := range lex {
		e := get(h)
		e.hit.LexicalRank = i + 1
		e.score += 1 / float64(rrfK+i+1)
	}
	w := vectorWeight(lex, vec)
	for i, h := range vec {
		e := get(h)
		e.hit.VectorRank = i + 1
		e.hit.Similarity = h.Similarity
		e.score += w / float64(rrfK+i+1)
	}
	out := make([]store.Retrieved, 0, len(order))
	for _, id := range order {
		e := byID[id]
		if e.score == 0 {
			continue
		}
		e.hit.Score = e.score
		out = append(out, e.hit)
	}
	slices.SortStableFunc(out, func(a, b store.Retrieved) int {
		return cmp.Or(cmp.Compare(b.Score, a.Score), cmp.Compare(a.ChunkID, b.ChunkID))
	})
	return out[:min(k, len(out))]
}

// vectorWeight is the vote of the vector side on this question, in [0, 1]:
// how many of its first agreeWindow neighbours the text side also found,
// out of agreeFull. Without text candidates it is 1: nothing contradicts
// the vector side, and nothing else would answer.
func vectorWeight(lex, vec []store.Retrieved) float64 {
	if len(lex) == 0 {
		return 1
	}
	found := make(map[int64]bool, len(lex))
	for _, h := range lex {
		found[h.ChunkID] = true
	}
	agree := 0
	for _, h := range vec[:min(agreeWindow, len(vec))] {
		if found[h.ChunkID] {
			agree++
		}
	}
	return min(float64(agree)/agreeFull, 1)
}
