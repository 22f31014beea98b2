package modeladmin

import (
	"context"
	"fmt"
	"strconv"

	"github.com/civitas-eu/civitas/internal/eval"
	"github.com/civitas-eu/civitas/internal/jobs"
	"github.com/civitas-eu/civitas/internal/lang"
	"github.com/civitas-eu/civitas/internal/retrieve"
	"github.com/civitas-eu/civitas/internal/store"
)

// Learning the vector side's weight in hybrid fusion from the golden
// questions (internal/eval.LearnWeights, internal/retrieve weights.go):
// after golden questions are added or imported (a queued job, for the
// active model: minutes with a real model, so not in the request) and
// when the switch guard scores a new model (inline, in the re-embed).

// JobFusionWeights is the job kind that learns the active embedding
// model's fusion weights again.
const JobFusionWeights = "models.fusion_weights"

// QueueFusionWeights queues the learning of the active embedding model's
// fusion weights; while one is queued, asking again returns it. Without a
// queue it does nothing (the CLI learns inline: assistant eval
// --learn-weights).
func (s *Service) QueueFusionWeights(ctx context.Context, by string) error {
	if s.queue == nil {
		return nil
	}
	_, err := s.queue.Enqueue(ctx, JobFusionWeights, struct{}{},
		jobs.EnqueueOptions{CreatedBy: by, MaxAttempts: 3, Unique: JobFusionWeights})
	if err != nil {
		return fmt.Errorf("models: queue fusion weights: %w", err)
	}
	return nil
}

func (s *Service) runFusionWeightsJob(ctx context.Context, _ jobs.Job, r *jobs.Reporter) error {
	model, err := EmbedModelFor(ctx, s.st, "", nil)
	if err != nil || model == "" {
		return err
	}
	learnt, err := s.LearnFusionWeights(ctx, model)
	if err != nil {
		return err
	}
	return r.SetResult(ctx, learnt)
}

// LearnFusionWeights learns model's vector weights in hybrid fusion, per
// question language, from every golden question (each in its own
// collection, seeing every document: the system's measure, not a user's),
// and stores them, replacing the model's earlier ones; it returns what was
// learnt with every candidate's scores. A language with fewer than
// eval.MinGoldenPerLanguage golden questions gets none (the fusion stays
// as it is).
func (s *Service) LearnFusionWeights(ctx context.Context, model string) ([]eval.Learnt, error) {
	gs, err := s.st.GoldenQuestions(ctx, "")
	if err != nil {
		return nil, err
	}
	groups, err := s.st.AllAccessGroups(ctx)
	if err != nil {
		return nil, err
	}
	var sets []eval.QuestionSet
	for _, g := range gs {
		if len(sets) == 0 || sets[len(sets)-1].Collection != g.Collection { // listed by collection
			sets = append(sets, eval.QuestionSet{Collection: g.Collection})
		}
		set := &sets[len(sets)-1]
		q := goldenQuestion(g)
		if q.Lang == "" { // typed in without one: the language retrieval will detect, so the weight is found
			q.Lang, _ = lang.Detect(q.Question)
		}
		set.Questions = append(set.Questions, q)
	}
	r := modelRetriever{r: retrieve.New(s.st, s.llm, retrieve.Config{}, s.log), model: model}
	learnt, err := eval.LearnWeights(ctx, r, sets, eval.Options{K: goldenK, Groups: groups})
	if err != nil {
		return nil, fmt.Errorf("models: fusion weights of %s: %w", model, err)
	}
	ws := make([]store.FusionWeight, 0, len(learnt))
	for _, l := range learnt {
		ws = append(ws, store.FusionWeight{Model: model, Language: l.Language, Vector: l.Weight, Questions: l.N, Hit5: l.Hit5, MRR: l.MRR})
		s.log.Info("fusion weight learnt", "model", model, "language", l.Language, "vector_weight", l.Weight,
			"questions", l.N, "hit5", l.Hit5, "mrr", l.MRR)
	}
	if err := s.st.ReplaceFusionWeights(ctx, model, ws); err != nil {
		return nil, err
	}
	return learnt, nil
}

// goldenQuestion is g in the eval format.
func goldenQuestion(g store.GoldenQuestion) eval.Question {
	return eval.Question{
		ID: strconv.FormatInt(g.ID, 10), Lang: g.Language, Type: "golden", Question: g.Question,
		Answerable: true, File: g.File, Pages: g.Pages, Quote: g.Quote,
	}
}
