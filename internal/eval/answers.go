package eval

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/civitas-eu/civitas/internal/answer"
)

// AnswerMetrics score generated answers: whether they cite the expected
// document, and whether unanswerable questions get the honest refusal.
type AnswerMetrics struct {
	CitationAccuracy float64 `json:"citation_accuracy"` // answerable questions citing the expected file
	RefusalAccuracy  float64 `json:"refusal_accuracy"`  // unanswerable questions answered "not covered"
	Answerable       int     `json:"answerable"`
	Unanswerable     int     `json:"unanswerable"`
	ChatModel        string  `json:"chat_model"`
}

// Answerer generates an answer, streaming its events to emit;
// *answer.Service implements it.
type Answerer interface {
	Answer(ctx context.Context, req answer.Request, emit func(answer.Event) error) (answer.Done, error)
}

var _ Answerer = (*answer.Service)(nil)

// ScoreAnswers asks a every question, in opts' collections and as a caller
// in opts' groups, and scores the answers: an answerable question counts
// when a citation points to a source from the expected file, an
// unanswerable one when the answer is "not covered". ChatModel is left for
// the caller to fill in. An answer that fails stops the scoring.
func ScoreAnswers(ctx context.Context, a Answerer, questions []Question, opts Options) (*AnswerMetrics, error) {
	var am AnswerMetrics
	var cited, refused int
	for _, q := range questions {
		var sources []answer.Source
		d, err := a.Answer(ctx, answer.Request{Question: q.Question, Language: q.Lang, Collections: opts.Collections, Groups: opts.Groups},
			func(e answer.Event) error {
				if e.Type == answer.EventSources {
					sources = e.Sources
				}
				return nil
			})
		if err != nil {
			return nil, fmt.Errorf("answer %s: %w", q.ID, err)
		}
		if !q.Answerable {
			am.Unanswerable++
			if d.Mode == answer.ModeNotCovered {
				refused++
			}
			continue
		}
		am.Answerable++
		if slices.ContainsFunc(d.Citations, func(c answer.Citation) bool {
			i := slices.IndexFunc(sources, func(s answer.Source) bool { return s.N == c.N })
			return i >= 0 && q.File != "" && strings.HasSuffix(sources[i].SourceURI, q.File)
		}) {
			cited++
		}
	}
	if am.Answerable > 0 {
		am.CitationAccuracy = float64(cited) / float64(am.Answerable)
	}
	if am.Unanswerable > 0 {
		am.RefusalAccuracy = float64(refused) / float64(am.Unanswerable)
	}
	return &am, nil
}
