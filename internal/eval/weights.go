package eval

import (
	"context"
	"fmt"
	"slices"

	"github.com/civitas-eu/civitas/internal/retrieve"
)

// Learning the vector side's weight in hybrid fusion from golden
// questions (internal/retrieve, weights.go).
//
// For each question language, every candidate weight is tried on that
// language's golden questions in hybrid retrieval, and the one with the
// best MRR wins; ties go to the better hit@5, then to the higher weight
// (the evidence fusion as it is, unless less vector weight really does
// better). A language with fewer than MinGoldenPerLanguage questions gets
// no weight: too few to tell a weight's merit from one question's luck.

// CandidateWeights are the vector weights learning chooses among.
var CandidateWeights = []float64{0, 0.25, 0.5, 1}

// MinGoldenPerLanguage is the fewest golden questions a language needs for
// a weight to be learnt for it.
const MinGoldenPerLanguage = 3

// QuestionSet is a collection's golden questions: they are retrieved in
// that collection only ("": in Options.Collections).
type QuestionSet struct {
	Collection string
	Questions  []Question
}

// Learnt is the weight chosen for one language, with the hybrid scores of
// every candidate on its N questions.
type Learnt struct {
	Language string
	Weight   float64
	N        int
	Hit5     float64 // of the chosen weight
	MRR      float64
	Tried    []Tried // every candidate, in CandidateWeights order
}

// Tried is hybrid's score on a language's questions with one candidate
// weight.
type Tried struct {
	Weight  float64 `json:"weight"`
	Metrics Metrics `json:"metrics"`
}

// LearnWeights chooses, per question language, the candidate vector
// weight under which hybrid retrieval with opts ranks the sets' questions
// best. Languages with fewer than MinGoldenPerLanguage answerable
// questions are left out; so is everything when hybrid retrieval is not
// available (no vectors). A set's collection, if named, replaces
// opts.Collections.
func LearnWeights(ctx context.Context, r Retriever, sets []QuestionSet, opts Options) ([]Learnt, error) {
	// ranks[weight index][language] = ranks of that language's questions
	ranks := make([]map[string][]int, len(CandidateWeights))
	for wi, w := range CandidateWeights {
		ranks[wi] = map[string][]int{}
		o := opts
		o.Methods = []string{retrieve.ModeHybrid}
		o.VectorWeight = &w
		for _, set := range sets {
			if set.Collection != "" {
				o.Collections = []string{set.Collection}
			}
			rep, err := Run(ctx, r, set.Questions, o)
			if err != nil {
				return nil, fmt.Errorf("eval: learn vector weight %.2f: %w", w, err)
			}
			if m, ok := rep.Method(retrieve.ModeHybrid); !ok || m.Skipped != "" {
				return nil, nil
			}
			for _, q := range rep.Questions {
				ranks[wi][q.Lang] = append(ranks[wi][q.Lang], q.Rank[retrieve.ModeHybrid])
			}
		}
	}
	var out []Learnt
	for _, l := range sortedKeys(ranks[0]) {
		n := len(ranks[0][l])
		if n < MinGoldenPerLanguage {
			continue
		}
		best := Learnt{Language: l, N: n, Weight: -1}
		for wi, w := range CandidateWeights {
			m := score(ranks[wi][l])
			best.Tried = append(best.Tried, Tried{Weight: w, Metrics: m})
			if best.Weight < 0 || better(m, w, Metrics{Hit5: best.Hit5, MRR: best.MRR}, best.Weight) {
				best.Weight, best.Hit5, best.MRR = w, m.Hit5, m.MRR
			}
		}
		out = append(out, best)
	}
	return out, nil
}

// better: a ranks better than b by MRR, then hit@5, then the higher
// weight.
func better(a Metrics, wa float64, b Metrics, wb float64) bool {
	const eps = 1e-9
	switch {
	case a.MRR > b.MRR+eps:
		return true
	case a.MRR < b.MRR-eps:
		return false
	case a.Hit5 > b.Hit5+eps:
		return true
	case a.Hit5 < b.Hit5-eps:
		return false
	}
	return wa > wb
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
