// Package eval measures retrieval against a question set with known
// answers: for every answerable question it runs lexical, vector and
// hybrid retrieval and records at which rank the first passage that holds
// the answer appears, then reports hit@1/3/5/10 and the mean reciprocal
// rank per method, overall, per question language and per question type.
//
// A passage holds the answer when it comes from the expected file and
// contains the reference quote, or covers one of the expected pages (see
// Hit). `assistant eval` prints the Report as a table or as JSON.
//
// ScoreAnswers scores generated answers for `assistant eval --answers`:
// citations of the expected file, and refusals of unanswerable questions.
package eval

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"text/tabwriter"

	"github.com/civitas-eu/civitas/internal/retrieve"
)

// Retriever is what Run needs; *retrieve.Retriever implements it.
type Retriever interface {
	Retrieve(ctx context.Context, q retrieve.Query) (retrieve.Result, error)
}

var _ Retriever = (*retrieve.Retriever)(nil)

// Methods are the retrieval modes Run compares, in report order.
var Methods = []string{retrieve.ModeLexical, retrieve.ModeVector, retrieve.ModeHybrid}

// Options tune Run. The zero value evaluates every method at k = 10 over
// all collections, as a caller without groups (public documents).
type Options struct {
	K           int      // passages retrieved per question; default 10
	Methods     []string // default Methods
	Collections []string // restrict retrieval to these collections
	Groups      []string // the caller's access groups
	// EmbedModel is the embedding model the vector and hybrid methods
	// search with; "" leaves it to the Retriever (its configured model).
	EmbedModel string
	// VectorWeight, when set, is the vector side's weight in hybrid fusion
	// instead of the learnt one (LearnWeights tries candidates with it).
	VectorWeight *float64
}

// Metrics are the scores of one method over a set of questions. Hit@n is
// the share of questions with a hit among the first n passages; MRR is the
// mean of 1/rank of the first hit (0 when none within K).
type Metrics struct {
	Hit1  float64 `json:"hit@1"`
	Hit3  float64 `json:"hit@3"`
	Hit5  float64 `json:"hit@5"`
	Hit10 float64 `json:"hit@10"`
	MRR   float64 `json:"mrr"`
	N     int     `json:"n"`
}

// MethodReport is the outcome of one method.
type MethodReport struct {
	Method     string             `json:"-"`
	EmbedModel string             `json:"embed_model,omitempty"`
	Skipped    string             `json:"skipped,omitempty"` // why the method could not run
	Overall    Metrics            `json:"-"`
	ByType     map[string]Metrics `json:"by_type,omitempty"`
	ByLang     map[string]Metrics `json:"by_lang,omitempty"`
}

// MarshalJSON flattens the overall metrics into the method's object:
// {"hit@1": …, …, "n": …, "by_type": {…}}.
func (m MethodReport) MarshalJSON() ([]byte, error) {
	type extra MethodReport
	base, err := json.Marshal(m.Overall)
	if err != nil {
		return nil, err
	}
	rest, err := json.Marshal(extra(m))
	if err != nil {
		return nil, err
	}
	if string(rest) == "{}" {
		return base, nil
	}
	return append(append(base[:len(base)-1], ','), rest[1:]...), nil
}

// QuestionResult is how each method did on one question.
type QuestionResult struct {
	ID   string
	Lang string
	Type string
	// Rank is the 1-based rank of the first hit per method; 0: no hit
	// within K.
	Rank map[string]int
}

// Report is the outcome of Run. Its JSON form is one object per method:
// {"lexical": {"hit@1": …, "hit@3": …, "hit@5": …, "hit@10": …, "mrr": …,
// "n": …, "by_type": {…}}, "vector": {…}, "hybrid": {…}}.
type Report struct {
	K         int
	Methods   []MethodReport
	Questions []QuestionResult
}

// MarshalJSON writes the report keyed by method.
func (r Report) MarshalJSON() ([]byte, error) {
	out := make(map[string]MethodReport, len(r.Methods))
	for _, m := range r.Methods {
		out[m.Method] = m
	}
	return json.Marshal(out)
}

// Method returns the report of the named method, if it was run.
func (r Report) Method(name string) (MethodReport, bool) {
	i := slices.IndexFunc(r.Methods, func(m MethodReport) bool { return m.Method == name })
	if i < 0 {
		return MethodReport{}, false
	}
	return r.Methods[i], true
}

// Run retrieves the passages of every answerable question with each
// method and scores them. A method that cannot run (vector search without
// embeddings, retrieve.ErrNoEmbeddings) is reported as skipped; any other
// retrieval error stops the run.
func Run(ctx context.Context, r Retriever, questions []Question, opts Options) (Report, error) {
	if opts.K <= 0 {
		opts.K = 10
	}
	if len(opts.Methods) == 0 {
		opts.Methods = Methods
	}
	rep := Report{K: opts.K}
	var answerable []Question
	for _, q := range questions {
		if q.Answerable {
			answerable = append(answerable, q)
			rep.Questions = append(rep.Questions, QuestionResult{ID: q.ID, Lang: q.Lang, Type: q.Type, Rank: map[string]int{}})
		}
	}
	for _, method := range opts.Methods {
		mr := MethodReport{Method: method}
		ranks := make([]int, len(answerable))
		for i, q := range answerable {
			res, err := r.Retrieve(ctx, retrieve.Query{
				Text: q.Question, Language: q.Lang, Collections: opts.Collections, Groups: opts.Groups,
				K: opts.K, Mode: method, EmbedModel: opts.EmbedModel, VectorWeight: opts.VectorWeight,
			})
			if errors.Is(err, retrieve.ErrNoEmbeddings) {
				mr.Skipped = err.Error()
				break
			}
			if err != nil {
				return Report{}, fmt.Errorf("eval: %s retrieval for %s: %w", method, q.ID, err)
			}
			mr.EmbedModel = res.EmbedModel
			ranks[i] = firstHit(q, res.Passages, opts.K)
			rep.Questions[i].Rank[method] = ranks[i]
		}
		if mr.Skipped == "" {
			mr.Overall = score(ranks)
			mr.ByType = scoreBy(answerable, ranks, func(q Question) string { return q.Type })
			mr.ByLang = scoreBy(answerable, ranks, func(q Question) string { return q.Lang })
		}
		rep.Methods = append(rep.Methods, mr)
	}
	return rep, nil
}

// firstHit returns the 1-based rank of the first passage, among the first
// k, that holds q's answer, or 0.
func firstHit(q Question, ps []retrieve.Passage, k int) int {
	quote := Normalize(q.Quote) // once per question, not once per passage
	for i, p := range ps[:min(k, len(ps))] {
		if hit(q, quote, p) {
			return i + 1
		}
	}
	return 0
}

// scoreBy scores the questions of each group that key puts them in.
func scoreBy(qs []Question, ranks []int, key func(Question) string) map[string]Metrics {
	groups := map[string][]int{}
	for i, q := range qs {
		groups[key(q)] = append(groups[key(q)], ranks[i])
	}
	out := make(map[string]Metrics, len(groups))
	for g, rs := range groups {
		out[g] = score(rs)
	}
	return out
}

func score(ranks []int) Metrics {
	m := Metrics{N: len(ranks)}
	if m.N == 0 {
		return m
	}
	for _, r := range ranks {
		if r == 0 {
			continue
		}
		if r <= 1 {
			m.Hit1++
		}
		if r <= 3 {
			m.Hit3++
		}
		if r <= 5 {
			m.Hit5++
		}
		if r <= 10 {
			m.Hit10++
		}
		m.MRR += 1 / float64(r)
	}
	for _, f := range []*float64{&m.Hit1, &m.Hit3, &m.Hit5, &m.Hit10, &m.MRR} {
		*f /= float64(m.N)
	}
	return m
}

// WriteTable prints the report as one aligned table: a row for all
// questions, then one per question language and one per question type;
// for each method its hit@1, hit@5 and MRR side by side (hit@3 and hit@10
// are in the JSON form). Then the skipped methods and the misses.
func (r Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	var ran []MethodReport
	for _, m := range r.Methods {
		if m.Skipped == "" {
			ran = append(ran, m)
		}
	}
	fmt.Fprint(tw, "questions\tn\t")
	for _, m := range ran {
		fmt.Fprintf(tw, "%[1]s hit@1\t%[1]s hit@5\t%[1]s MRR\t", m.Method)
	}
	fmt.Fprintln(tw)
	row := func(label string, pick func(MethodReport) (Metrics, bool)) {
		n := 0
		cells := ""
		for _, m := range ran {
			x, ok := pick(m)
			if !ok {
				cells += "\t\t\t"
				continue
			}
			n = x.N
			cells += fmt.Sprintf("%.3f\t%.3f\t%.3f\t", x.Hit1, x.Hit5, x.MRR)
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\n", label, n, cells)
	}
	if len(ran) > 0 {
		row("all", func(m MethodReport) (Metrics, bool) { return m.Overall, true })
		for _, l := range keys(ran[0].ByLang) {
			row("lang="+l, func(m MethodReport) (Metrics, bool) { x, ok := m.ByLang[l]; return x, ok })
		}
		for _, t := range keys(ran[0].ByType) {
			row("type="+t, func(m MethodReport) (Metrics, bool) { x, ok := m.ByType[t]; return x, ok })
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, m := range r.Methods {
		if m.Skipped != "" {
			fmt.Fprintf(w, "%s skipped: %s\n", m.Method, m.Skipped)
		} else if m.EmbedModel != "" {
			fmt.Fprintf(w, "%s: embeddings by %s\n", m.Method, m.EmbedModel)
		}
	}
	var misses []string
	for _, q := range r.Questions {
		for _, m := range r.Methods {
			if rank, ran := q.Rank[m.Method]; ran && (rank == 0 || rank > 5) {
				misses = append(misses, fmt.Sprintf("%s:%s@%d", m.Method, q.ID, rank))
			}
		}
	}
	if len(misses) > 0 {
		_, err := fmt.Fprintf(w, "not in the top 5 (method:question@rank, 0 = not in the top %d): %v\n", r.K, misses)
		return err
	}
	return nil
}

func keys(m map[string]Metrics) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
