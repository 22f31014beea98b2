package insight

import (
	"context"
	"fmt"
	"math"
)

// maxEmbeddedQuestions bounds the questions one gaps report embeds.
const maxEmbeddedQuestions = 500

// mergeByVectors merges each gap of one question into the gap whose
// questions its own is most similar to (the cosine of its vector and the
// gap's mean vector), when that similarity is at least threshold: "How do I dispose
// of old furniture?" joins the bulky-waste gap it shares no word with.
// Only a real embedding model makes this meaningful, so the caller opts
// in with a threshold for its model. Questions beyond the first
// maxEmbeddedQuestions (the newest) are left as words grouped them.
func mergeByVectors(ctx context.Context, qs []gapQuestion, cs []cluster,
	embed func(context.Context, []string) ([][]float32, error), threshold float64) ([]cluster, error) {
	n := min(len(qs), maxEmbeddedQuestions)
	texts := make([]string, n)
	for i := range n {
		texts[i] = qs[i].text
	}
	vecs, err := embed(ctx, texts)
	if err != nil {
		return nil, fmt.Errorf("insight: embed gap questions: %w", err)
	}
	if len(vecs) != n {
		return nil, fmt.Errorf("insight: embed gap questions: %d vectors for %d questions", len(vecs), n)
	}
	embedded := func(c cluster) bool {
		for _, i := range c.members {
			if i >= n {
				return false
			}
		}
		return true
	}
	mean := func(c cluster) []float64 {
		m := make([]float64, len(vecs[c.members[0]]))
		for _, i := range c.members {
			for d, x := range vecs[i] {
				m[d] += float64(x)
			}
		}
		return m
	}
	out := make([]cluster, 0, len(cs))
	out = append(out, cs...)
	for i := 0; i < len(out); i++ {
		c := out[i]
		if len(c.members) != 1 || !embedded(c) {
			continue
		}
		best, bestSim := -1, threshold
		v := mean(c)
		for j := range out {
			if j == i || len(out[j].members) == 0 || !embedded(out[j]) {
				continue
			}
			if sim := cosine(v, mean(out[j])); sim >= bestSim {
				best, bestSim = j, sim
			}
		}
		if best < 0 {
			continue
		}
		// The larger gap keeps its label; of two single questions, the
		// one found first (the newer) names the pair.
		out[best].members = append(out[best].members, c.members...)
		out[i].members = nil
	}
	kept := out[:0]
	for _, c := range out {
		if len(c.members) > 0 {
			kept = append(kept, c)
		}
	}
	return kept, nil
}

func cosine(a, b []float64) float64 {
	var dot, na, nb float64
	for i := range a {
		dot += a[i] * b[i]
		na += a[i] * a[i]
		nb += b[i] * b[i]
	}
	if na == 0 || nb == 0 {
		return 0
	}
	return dot / math.Sqrt(na*nb)
}
