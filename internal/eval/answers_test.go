package eval_test

import (
	"context"
	"errors"
	"testing"

	"github.com/civitas-eu/civitas/internal/answer"
	"github.com/civitas-eu/civitas/internal/eval"
)

// scriptedAnswerer answers each question with the reply scripted for it:
// the sources it streams first, then the Done.
type scriptedAnswerer struct {
	replies map[string]scriptedReply
	got     []answer.Request
}

type scriptedReply struct {
	sources []answer.Source
	done    answer.Done
	err     error
}

func (s *scriptedAnswerer) Answer(_ context.Context, req answer.Request, emit func(answer.Event) error) (answer.Done, error) {
	s.got = append(s.got, req)
	r := s.replies[req.Question]
	if r.err != nil {
		return answer.Done{}, r.err
	}
	if err := emit(answer.Event{Type: answer.EventSources, Sources: r.sources}); err != nil {
		return answer.Done{}, err
	}
	return r.done, nil
}

var _ eval.Answerer = (*scriptedAnswerer)(nil)

// TestScoreAnswersCountsCitedFilesAndRefusals: moved out of cmd/assistant
// (issue 20), the answer scoring still counts an answerable question when
// a citation points to a source from the expected file (not merely any
// citation), an unanswerable one when the answer is "not covered", and
// asks as a caller in the evaluated collections and groups.
func TestScoreAnswersCountsCitedFilesAndRefusals(t *testing.T) {
	src := func(n int, uri string) answer.Source { return answer.Source{N: n, SourceURI: uri} }
	cite := func(ns ...int) []answer.Citation {
		var cs []answer.Citation
		for _, n := range ns {
			cs = append(cs, answer.Citation{N: n})
		}
		return cs
	}
	a := &scriptedAnswerer{replies: map[string]scriptedReply{
		"cites the file":     {sources: []answer.Source{src(1, "other.pdf"), src(2, "docs/fees.pdf")}, done: answer.Done{Mode: answer.ModeAnswer, Citations: cite(2)}},
		"cites another file": {sources: []answer.Source{src(1, "other.pdf"), src(2, "docs/fees.pdf")}, done: answer.Done{Mode: answer.ModeAnswer, Citations: cite(1)}},
		"cites nothing":      {sources: []answer.Source{src(1, "docs/fees.pdf")}, done: answer.Done{Mode: answer.ModeAnswer}},
		"cites a ghost":      {sources: []answer.Source{src(1, "docs/fees.pdf")}, done: answer.Done{Mode: answer.ModeAnswer, Citations: cite(3)}},
		"refuses":            {done: answer.Done{Mode: answer.ModeNotCovered}},
		"answers anyway":     {sources: []answer.Source{src(1, "x.pdf")}, done: answer.Done{Mode: answer.ModeAnswer, Citations: cite(1)}},
	}}
	qs := []eval.Question{
		{ID: "1", Question: "cites the file", Answerable: true, File: "fees.pdf"},
		{ID: "2", Question: "cites another file", Answerable: true, File: "fees.pdf"},
		{ID: "3", Question: "cites nothing", Answerable: true, File: "fees.pdf"},
		{ID: "4", Question: "cites a ghost", Answerable: true, File: "fees.pdf"},
		{ID: "5", Question: "refuses", Answerable: false},
		{ID: "6", Question: "answers anyway", Answerable: false},
	}
	opts := eval.Options{Collections: []string{"city"}, Groups: []string{"staff"}}
	am, err := eval.ScoreAnswers(context.Background(), a, qs, opts)
	if err != nil {
		t.Fatal(err)
	}
	want := eval.AnswerMetrics{CitationAccuracy: 0.25, RefusalAccuracy: 0.5, Answerable: 4, Unanswerable: 2}
	if *am != want {
		t.Errorf("metrics = %+v, want %+v", *am, want)
	}
	for _, r := range a.got {
		if len(r.Collections) != 1 || r.Collections[0] != "city" || len(r.Groups) != 1 || r.Groups[0] != "staff" {
			t.Errorf("%q asked in %v as %v, want [city] as [staff]", r.Question, r.Collections, r.Groups)
		}
	}

	tests := []struct {
		name string
		qs   []eval.Question
		want eval.AnswerMetrics
	}{
		{"no questions", nil, eval.AnswerMetrics{}},
		{"only unanswerable", qs[4:5], eval.AnswerMetrics{RefusalAccuracy: 1, Unanswerable: 1}},
		{"only answerable", qs[:1], eval.AnswerMetrics{CitationAccuracy: 1, Answerable: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			am, err := eval.ScoreAnswers(context.Background(), a, tt.qs, opts)
			if err != nil || *am != tt.want {
				t.Errorf("ScoreAnswers = %+v, %v; want %+v", am, err, tt.want)
			}
		})
	}
}

// TestScoreAnswersStopsAtAFailedAnswer: an answer that fails stops the
// scoring with an error naming the question, rather than scoring it as a
// miss.
func TestScoreAnswersStopsAtAFailedAnswer(t *testing.T) {
	boom := errors.New("model gone")
	a := &scriptedAnswerer{replies: map[string]scriptedReply{"fails": {err: boom}}}
	_, err := eval.ScoreAnswers(context.Background(), a, []eval.Question{{ID: "q7", Question: "fails", Answerable: true}}, eval.Options{})
	if !errors.Is(err, boom) || err.Error() != "answer q7: model gone" {
		t.Errorf("err = %v, want answer q7 wrapping %v", err, boom)
	}
}
