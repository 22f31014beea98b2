package insight_test

import (
	"context"
	"testing"

	"github.com/civitas-eu/civitas/internal/insight"
)

// TestReviewWithholdsTextsOfAnswersWithoutSources: a rated answer that
// rests on no document ("not covered") belongs to no collection the
// reviewer manages: any knowledge manager may see that it was rated and
// handle it, but not what another department's employee asked, was told
// or commented. An answer resting on documents the reviewer may see keeps
// its texts.
func TestReviewWithholdsTextsOfAnswersWithoutSources(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	pub := w.document(t, "waste", "/docs/sperrmuell.txt", nil, "Sperrmüll wird zweimal im Jahr abgeholt.")
	nc := w.answer(t, "Darf ich Frau Kowalczyk wegen ihrer Krankheit kündigen?", answerOpts{mode: "not_covered", user: "hr.lead"})
	w.rate(t, nc, "down", "Frau Kowalczyk ist seit März krank")
	ok := w.answer(t, "Wann wird Sperrmüll abgeholt?", answerOpts{docs: []int64{pub}, cited: true})
	w.rate(t, ok, "down", "Termin falsch")

	items, err := w.svc.Review(ctx, insight.ReviewFilter{Groups: []string{"finance"}}, keepName)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int64]insight.FeedbackItem{}
	for _, it := range items {
		seen[it.AnswerID] = it
	}
	if it, listed := seen[nc]; !listed || it.Question != "" || it.Answer != "" || it.Comment != "" || !it.Withheld {
		t.Errorf("rated answer without sources: %+v (listed %v), want listed with question, answer and comment withheld", it, listed)
	}
	if it := seen[ok]; it.Question != "Wann wird Sperrmüll abgeholt?" || it.Comment != "Termin falsch" || it.Withheld {
		t.Errorf("rated answer on a visible document: %+v, want its texts", it)
	}
	h, err := w.svc.Handle(ctx, insight.Handling{AnswerID: nc, Outcome: insight.OutcomeDocumentAdded}, []string{"finance"})
	if err != nil || h.Question != "" || h.Comment != "" {
		t.Errorf("handling it: %+v %v, want handled with texts withheld", h, err)
	}
}
