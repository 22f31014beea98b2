package modeladmin

import (
	"context"
	"fmt"
	"strconv"

	"github.com/civitas-eu/civitas/internal/eval"
	"github.com/civitas-eu/civitas/internal/retrieve"
	"github.com/civitas-eu/civitas/internal/store"
)

// The golden-question guard of an embedding-model switch: before the flip,
// a re-embed scores the knowledge managers' golden questions (store
// .GoldenQuestions) by vector retrieval with the old model and with the
// new one, and records both. When the new model does worse, the switch is
// not made: the job ends awaiting the admin's confirmation, which
// ConfirmReembed gives (audited).

// Audit actions of the guard.
const (
	ActionGoldenChecked     = "admin.model.golden_checked"
	ActionEmbedSwitchHeld   = "admin.model.switch_held"
	ActionEmbedSwitchForced = "admin.model.switch_confirmed"
	goldenK                 = 10
	goldenEpsilon           = 1e-9
)

// GoldenScore is how well a model's vectors find the answers to the
// golden questions: hit@5 and MRR over N questions (internal/eval).
type GoldenScore struct {
	Model string  `json:"model"`
	N     int     `json:"n"`
	Hit5  float64 `json:"hit5"`
	MRR   float64 `json:"mrr"`
}

// GoldenComparison is the guard's verdict on a switch.
type GoldenComparison struct {
	Old GoldenScore `json:"old"`
	New GoldenScore `json:"new"`
	// Worse: the new model finds fewer answers in the top 5, or as many
	// but lower on average (MRR).
	Worse bool `json:"worse"`
}

// Compare judges new against old.
func Compare(old, new GoldenScore) GoldenComparison {
	worse := new.Hit5 < old.Hit5-goldenEpsilon ||
		(new.Hit5 <= old.Hit5+goldenEpsilon && new.MRR < old.MRR-goldenEpsilon)
	return GoldenComparison{Old: old, New: new, Worse: worse}
}

// GoldenScorer scores the golden questions with an embedding model's
// vectors. Service uses ScoreGolden unless Deps.Golden sets another (tests
// script it).
type GoldenScorer func(ctx context.Context, model string) (GoldenScore, error)

// ScoreGolden runs every golden question, in its own collection, through
// vector retrieval with model (whose vectors must be complete) and scores
// the first hit among the first ten passages. Retrieval sees every
// document, whatever its access groups: the guard is the system's, not a
// user's. No golden questions: N is 0.
func (s *Service) ScoreGolden(ctx context.Context, model string) (GoldenScore, error) {
	out := GoldenScore{Model: model}
	gs, err := s.st.GoldenQuestions(ctx, "")
	if err != nil || len(gs) == 0 {
		return out, err
	}
	groups, err := s.st.AllAccessGroups(ctx)
	if err != nil {
		return out, err
	}
	byCollection := map[string][]eval.Question{}
	var order []string
	for _, g := range gs {
		if _, ok := byCollection[g.Collection]; !ok {
			order = append(order, g.Collection)
		}
		byCollection[g.Collection] = append(byCollection[g.Collection], goldenQuestion(g))
	}
	r := modelRetriever{r: retrieve.New(s.st, s.llm, retrieve.Config{}, s.log), model: model}
	for _, c := range order {
		rep, err := eval.Run(ctx, r, byCollection[c], eval.Options{
			K: goldenK, Methods: []string{retrieve.ModeVector}, Collections: []string{c}, Groups: groups})
		if err != nil {
			return out, fmt.Errorf("models: golden questions of %s with %s: %w", c, model, err)
		}
		mr, ok := rep.Method(retrieve.ModeVector)
		if !ok || mr.Skipped != "" {
			return out, fmt.Errorf("models: golden questions of %s with %s: vector search unavailable (%s)", c, model, mr.Skipped)
		}
		n := float64(mr.Overall.N)
		out.Hit5 += mr.Overall.Hit5 * n
		out.MRR += mr.Overall.MRR * n
		out.N += mr.Overall.N
	}
	if out.N > 0 {
		out.Hit5 /= float64(out.N)
		out.MRR /= float64(out.N)
	}
	return out, nil
}

// modelRetriever retrieves with one embedding model, whichever is active.
type modelRetriever struct {
	r     *retrieve.Retriever
	model string
}

func (m modelRetriever) Retrieve(ctx context.Context, q retrieve.Query) (retrieve.Result, error) {
	q.EmbedModel = m.model
	return m.r.Retrieve(ctx, q)
}

// guard compares the golden scores of the active model and the new one
// and records the comparison; nil when there are no golden questions.
func (s *Service) guard(ctx context.Context, active string, m store.EmbeddingModel) (*GoldenComparison, error) {
	score := s.golden
	if score == nil {
		score = s.ScoreGolden
	}
	old, err := score(ctx, active)
	if err != nil {
		return nil, err
	}
	if old.N == 0 {
		return nil, nil
	}
	nw, err := score(ctx, m.Name)
	if err != nil {
		return nil, err
	}
	if s.golden == nil { // real scoring: the new model's fusion weights too (fusion_weights.go)
		if _, err := s.LearnFusionWeights(ctx, m.Name); err != nil {
			s.log.Warn("cannot learn fusion weights: hybrid fuses without them", "model", m.Name, "err", err)
		}
	}
	c := Compare(old, nw)
	s.log.Info("golden questions scored", "old", active, "old_hit5", old.Hit5, "old_mrr", old.MRR,
		"new", m.Name, "new_hit5", nw.Hit5, "new_mrr", nw.MRR, "worse", c.Worse)
	return &c, s.record(ctx, ActionGoldenChecked, m.Name, c.details())
}

func (c GoldenComparison) details() map[string]string {
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', 3, 64) }
	return map[string]string{
		"old_model": c.Old.Model, "old_hit5": f(c.Old.Hit5), "old_mrr": f(c.Old.MRR),
		"new_model": c.New.Model, "new_hit5": f(c.New.Hit5), "new_mrr": f(c.New.MRR),
		"questions": strconv.Itoa(c.New.N), "worse": strconv.FormatBool(c.Worse),
	}
}

// holdSwitch records that a switch waits for the admin's confirmation.
func (s *Service) holdSwitch(ctx context.Context, m store.EmbeddingModel, c *GoldenComparison) error {
	s.log.Warn("embedding switch held: the new model answers the golden questions worse; an admin must confirm",
		"model", m.Name)
	return s.record(ctx, ActionEmbedSwitchHeld, m.Name, c.details())
}
