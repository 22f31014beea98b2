package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"github.com/civitas-eu/civitas/internal/answer"
	"github.com/civitas-eu/civitas/internal/config"
	"github.com/civitas-eu/civitas/internal/eval"
	"github.com/civitas-eu/civitas/internal/inference"
	"github.com/civitas-eu/civitas/internal/modeladmin"
	"github.com/civitas-eu/civitas/internal/retrieve"
	"github.com/civitas-eu/civitas/internal/store"
	"github.com/civitas-eu/civitas/prompts"
)

// runEval is `assistant eval`: retrieval quality (hit@k, MRR) for lexical,
// vector and hybrid retrieval over a QA file, and with --answers the
// quality of generated answers. An admin runs it before switching models.
func (m *Main) runEval(ctx context.Context, args []string) error {
	var qa, collections, groups string
	var k int
	var withAnswers, asJSON, learn, crossValidate bool
	cfg, fs, err := config.Load("assistant", args, m.Getenv, m.Stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&qa, "qa", "", "QA file (JSONL: question, file, pages, quote, answerable), e.g. ../shared/data/qa/qa.jsonl")
		fs.IntVar(&k, "k", 10, "passages retrieved per question")
		fs.StringVar(&collections, "collections", "", "only these collections, comma-separated (default: all)")
		fs.StringVar(&groups, "groups", "", "evaluate as a caller in these access groups, comma-separated")
		fs.BoolVar(&withAnswers, "answers", false, "also generate answers and score citations and refusals")
		fs.BoolVar(&asJSON, "json", false, "print one JSON object instead of a table")
		fs.BoolVar(&learn, "learn-weights", false, "first learn the model's fusion weights from the golden questions (as the job does after an import) and store them")
		fs.BoolVar(&crossValidate, "cross-validate", false, "also score hybrid with fusion weights learnt on the other half of the QA file's questions (2-fold, per language)")
	})
	if err != nil {
		return err
	}
	if qa == "" {
		return errors.New("eval: --qa FILE is required")
	}
	log := cfg.NewLogger(io.Discard)
	pool, err := connect(ctx, cfg, 4, log)
	if err != nil {
		return err
	}
	defer pool.Close()
	questions, err := eval.LoadQuestions(qa)
	if err != nil {
		return err
	}
	st, err := store.New(pool)
	if err != nil {
		return err
	}
	inf := inference.New(cfg, log)
	opts := eval.Options{K: k, Collections: config.SplitList(collections), Groups: config.SplitList(groups)}
	// Measure what the assistant serves: the active embedding model of the
	// database (the configured one only before the first start seeds it),
	// or a candidate named by --embed-model on the command line (not by
	// CIVITAS_EMBED_MODEL, which names the configured model).
	candidate := ""
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "embed-model" {
			candidate = cfg.EmbedModel
		}
	})
	if candidate != "" {
		if err := m.prepareCandidate(ctx, cfg, st, inf, candidate, opts.Collections, log); err != nil {
			return err
		}
	}
	embedModel, err := evalEmbedModel(ctx, st, cfg.EmbedModel, candidate)
	if err != nil {
		return err
	}
	opts.EmbedModel = embedModel
	if learn {
		svc := modeladmin.New(modeladmin.Deps{Store: st, Ollama: inf}, modelsConfig(cfg), log)
		learnt, err := svc.LearnFusionWeights(ctx, embedModel)
		if err != nil {
			return err
		}
		writeLearnt(m.Stderr, embedModel, learnt)
	}
	r := retrieve.New(st, inf.EmbedPool, retrieve.Config{EmbedModel: embedModel}, log)
	rep, err := eval.Run(ctx, r, questions, opts)
	if err != nil {
		return err
	}
	weights, err := r.WeightsInForce(ctx, embedModel)
	if err != nil {
		return err
	}
	var cv *eval.CrossValidation
	if crossValidate {
		c, err := eval.CrossValidate(ctx, r, questions, opts)
		if err != nil {
			return err
		}
		cv = &c
	}
	var am *eval.AnswerMetrics
	if withAnswers {
		// The chat model the assistant serves with, too.
		if active, err := st.ActiveModels(ctx); err == nil {
			for _, a := range active {
				if a.Role == store.RoleChat {
					cfg.ChatModel = a.Model
				}
			}
		}
		tmpl, err := prompts.Load(cfg.PromptsDir)
		if err != nil {
			return err
		}
		svc, err := answer.New(answerConfig(cfg), r, inf.ChatPool, nil, tmpl, log)
		if err != nil {
			return err
		}
		if am, err = eval.ScoreAnswers(ctx, svc, questions, opts); err != nil {
			return err
		}
		am.ChatModel = cfg.ChatModel
	}
	if asJSON {
		out := map[string]any{}
		b, _ := json.Marshal(rep)
		_ = json.Unmarshal(b, &out)
		if am != nil {
			out["answers"] = am
		}
		out["fusion_weights"] = weights
		if cv != nil {
			out["cross_validation"] = cvJSON(*cv)
		}
		return writeJSONTo(m.Stdout, out)
	}
	if err := rep.WriteTable(m.Stdout); err != nil {
		return err
	}
	writeWeights(m.Stdout, embedModel, weights, cv)
	if am != nil {
		fmt.Fprintf(m.Stdout, "\nAnswers by %s: citation accuracy %.2f (%d answerable), refusal accuracy %.2f (%d unanswerable)\n",
			am.ChatModel, am.CitationAccuracy, am.Answerable, am.RefusalAccuracy, am.Unanswerable)
	}
	return nil
}

// evalEmbedModel is the embedding model an evaluation measures: the
// candidate when one is named, else the one the assistant serves with —
// the active model of the database, or the configured one before the
// first start has seeded it. (It used to be the configured one always, so
// that after `assistant models use embed X` eval still measured the old
// model.)
func evalEmbedModel(ctx context.Context, st *store.Store, configured, candidate string) (string, error) {
	if candidate != "" {
		return candidate, nil
	}
	return modeladmin.EmbedModelFor(ctx, st, configured, nil)
}

// prepareCandidate registers the candidate embedding model (it must be
// installed and embed) and embeds the evaluated collections' chunks that
// lack its vectors, leaving the active model as it is.
func (m *Main) prepareCandidate(ctx context.Context, cfg config.Config, st *store.Store, inf *inference.Set, name string, collections []string, log *slog.Logger) error {
	svc := modeladmin.New(modeladmin.Deps{Store: st, Ollama: inf}, modelsConfig(cfg), log)
	em, err := svc.PrepareEmbed(ctx, name)
	if err != nil {
		return err
	}
	n, err := eval.EmbedMissing(ctx, st, inf.EmbedPool, em, collections)
	if err != nil {
		return err
	}
	if n > 0 {
		fmt.Fprintf(m.Stderr, "embedded %d chunks with %s for the evaluation (the active model is unchanged)\n", n, em.Name)
	}
	return nil
}
