package main

import (
	"fmt"
	"io"
	"slices"
	"strconv"

	"github.com/civitas-eu/civitas/internal/eval"
	"github.com/civitas-eu/civitas/internal/store"
)

// writeWeights prints the fusion weights in force for model, per
// language (internal/retrieve, weights.go), and the cross-validation when
// it ran.
func writeWeights(w io.Writer, model string, ws []store.FusionWeight, cv *eval.CrossValidation) {
	if len(ws) == 0 {
		fmt.Fprintf(w, "fusion weights of %s: none learnt (every language fuses with vector weight 1)\n", model)
	} else {
		fmt.Fprintf(w, "fusion weights of %s in force (vector side; other languages 1):", model)
		for _, x := range ws {
			fmt.Fprintf(w, " %s=%s (%d golden, hybrid hit@5 %.3f MRR %.3f)", x.Language, strconv.FormatFloat(x.Vector, 'f', -1, 64), x.Questions, x.Hit5, x.MRR)
		}
		fmt.Fprintln(w)
	}
	if cv == nil {
		return
	}
	for _, f := range cv.Folds {
		fmt.Fprintf(w, "cross-validation: %s-numbered questions scored with weights learnt on the others:", f.Name)
		for _, l := range sortedLangs(f.Weights) {
			fmt.Fprintf(w, " %s=%s", l, strconv.FormatFloat(f.Weights[l], 'f', -1, 64))
		}
		fmt.Fprintln(w)
	}
	for _, l := range sortedLangs(cv.ByLang) {
		m := cv.ByLang[l]
		fmt.Fprintf(w, "cross-validated hybrid lang=%s n=%d: hit@1 %.3f hit@5 %.3f MRR %.3f\n", l, m.N, m.Hit1, m.Hit5, m.MRR)
	}
}

// writeLearnt prints what --learn-weights learnt: per language, hybrid's
// hit@5 and MRR on the golden questions with every candidate weight.
func writeLearnt(w io.Writer, model string, learnt []eval.Learnt) {
	fmt.Fprintf(w, "learnt fusion weights of %s from the golden questions:\n", model)
	for _, l := range learnt {
		fmt.Fprintf(w, "  %s (%d): weight %s;", l.Language, l.N, strconv.FormatFloat(l.Weight, 'f', -1, 64))
		for _, t := range l.Tried {
			fmt.Fprintf(w, " w=%s hit@5 %.3f MRR %.3f;", strconv.FormatFloat(t.Weight, 'f', -1, 64), t.Metrics.Hit5, t.Metrics.MRR)
		}
		fmt.Fprintln(w)
	}
}

// cvJSON is the cross-validation as `assistant eval --json` prints it.
func cvJSON(cv eval.CrossValidation) map[string]any {
	return map[string]any{"folds": cv.Folds, "by_lang": cv.ByLang}
}

func sortedLangs[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
