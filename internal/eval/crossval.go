package eval

import (
	"context"

	"github.com/civitas-eu/civitas/internal/retrieve"
)

// Fold is one half of a two-fold cross-validation: the weights learnt on
// the other half, by language.
type Fold struct {
	Name    string             // "odd" or "even": the questions scored
	Weights map[string]float64 // learnt on the other half
}

// CrossValidation is hybrid retrieval scored on questions the weights
// were not learnt from: each language's answerable questions, in file
// order, are split into the odd-numbered and the even-numbered ones;
// weights learnt on one half score the other, and the two halves' ranks
// are pooled per language.
type CrossValidation struct {
	Folds  []Fold
	ByLang map[string]Metrics
}

// CrossValidate runs the two-fold cross-validation of LearnWeights over
// questions, retrieved as opts says. A language without a learnt weight
// in a fold (fewer than MinGoldenPerLanguage questions in the other half)
// is scored with weight 1, as the assistant would fuse it.
func CrossValidate(ctx context.Context, r Retriever, questions []Question, opts Options) (CrossValidation, error) {
	var halves [2][]Question // 0: odd-numbered, 1: even-numbered, per language
	seen := map[string]int{}
	for _, q := range questions {
		if !q.Answerable {
			continue
		}
		seen[q.Lang]++
		halves[(seen[q.Lang]+1)%2] = append(halves[(seen[q.Lang]+1)%2], q)
	}
	cv := CrossValidation{ByLang: map[string]Metrics{}}
	ranks := map[string][]int{}
	for i, name := range []string{"odd", "even"} {
		learnt, err := LearnWeights(ctx, r, []QuestionSet{{Questions: halves[1-i]}}, opts)
		if err != nil {
			return cv, err
		}
		f := Fold{Name: name, Weights: map[string]float64{}}
		for _, l := range learnt {
			f.Weights[l.Language] = l.Weight
		}
		cv.Folds = append(cv.Folds, f)
		byLang := map[string][]Question{}
		for _, q := range halves[i] {
			byLang[q.Lang] = append(byLang[q.Lang], q)
		}
		for _, l := range sortedKeys(byLang) {
			w, ok := f.Weights[l]
			if !ok {
				w = 1
			}
			o := opts
			o.Methods, o.VectorWeight = []string{retrieve.ModeHybrid}, &w
			rep, err := Run(ctx, r, byLang[l], o)
			if err != nil {
				return cv, err
			}
			for _, q := range rep.Questions {
				ranks[l] = append(ranks[l], q.Rank[retrieve.ModeHybrid])
			}
		}
	}
	for l, rs := range ranks {
		cv.ByLang[l] = score(rs)
	}
	return cv, nil
}
