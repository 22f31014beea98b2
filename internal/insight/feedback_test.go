package insight_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/civitas-eu/civitas/internal/insight"
)

// TestThumbsDownAppearsInReviewAndIsHandled: an answer rated unhelpful is
// listed for a knowledge manager who may see its sources, with question,
// answer, sources and comment; handling it with a note moves it from the
// open to the handled list. One whose source is outside the reviewer's
// groups is neither listed nor handled (not found).
func TestThumbsDownAppearsInReviewAndIsHandled(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	pub := w.document(t, "waste", "/docs/sperrmuell.txt", nil, "Sperrmüll wird zweimal im Jahr abgeholt.")
	secret := w.document(t, "hr", "/docs/gehalt.txt", []string{"hr"}, "Gehaltstabellen")
	down := w.answer(t, "Wann wird Sperrmüll abgeholt?", answerOpts{docs: []int64{pub}, cited: true})
	w.rate(t, down, "down", "Der Termin ist falsch")
	hidden := w.answer(t, "Wie hoch ist das Gehalt?", answerOpts{docs: []int64{secret}, cited: true})
	w.rate(t, hidden, "down", "")
	up := w.answer(t, "Wo melde ich Sperrmüll an?", answerOpts{docs: []int64{pub}, cited: true})
	w.rate(t, up, "up", "")

	pseud := func(_ context.Context, u string) (string, error) { return "pseud-" + u[:2], nil }
	open, err := w.svc.Review(ctx, insight.ReviewFilter{Groups: []string{"knowledge-manager"}, Rating: "down", Status: insight.StatusOpen}, pseud)
	if err != nil {
		t.Fatal(err)
	}
	if len(open) != 1 || open[0].AnswerID != down {
		t.Fatalf("open thumbs-down for a reviewer outside hr: %+v, want only answer %d", open, down)
	}
	it := open[0]
	if it.Question != "Wann wird Sperrmüll abgeholt?" || it.Answer != "an answer" || it.Comment != "Der Termin ist falsch" ||
		!strings.Contains(string(it.Sources), `"document_id":`) || it.User != "pseud-er" {
		t.Errorf("review item: %+v (sources %s)", it, it.Sources)
	}
	if _, err := w.svc.Handle(ctx, insight.Handling{AnswerID: hidden, Outcome: insight.OutcomeDocumentFixed}, []string{"knowledge-manager"}); !errors.Is(err, insight.ErrNotFound) {
		t.Errorf("handling an answer from a document outside the reviewer's groups: %v, want not found", err)
	}
	if _, err := w.svc.Handle(ctx, insight.Handling{AnswerID: down, Outcome: "fixed it"}, nil); !errors.Is(err, insight.ErrInvalid) {
		t.Errorf("unknown outcome: %v, want invalid", err)
	}
	h, err := w.svc.Handle(ctx, insight.Handling{AnswerID: down, Outcome: insight.OutcomeDocumentFixed, Note: " Termine 2027 ergänzt "}, nil)
	if err != nil || h.Outcome != insight.OutcomeDocumentFixed || h.Note != "Termine 2027 ergänzt" || h.HandledAt == nil {
		t.Fatalf("handle: %+v %v", h, err)
	}
	if n := w.int64(t, "SELECT count(*) FROM audit_log WHERE action = $1 AND target = $2", insight.ActionFeedbackHandled, "answer:"+itoa(down)); n != 1 {
		t.Errorf("%d audit events of the handling, want 1", n)
	}
	for _, tt := range []struct {
		status string
		want   int
	}{{insight.StatusOpen, 0}, {insight.StatusHandled, 1}} {
		got, err := w.svc.Review(ctx, insight.ReviewFilter{Rating: "down", Status: tt.status, Collection: "waste"}, keepName)
		if err != nil || len(got) != tt.want {
			t.Errorf("%s thumbs-down in waste after handling: %d %v, want %d", tt.status, len(got), err, tt.want)
		}
	}
	ups, err := w.svc.Review(ctx, insight.ReviewFilter{Rating: "up"}, keepName)
	if err != nil || len(ups) != 1 || ups[0].AnswerID != up || ups[0].Golden {
		t.Errorf("thumbs-up to promote: %+v %v", ups, err)
	}
}

// TestReviewRedactsDeletedSource: an answer one of whose sources was
// deleted since stays reviewable, with that source redacted to its
// number (its groups can no longer be checked).
func TestReviewRedactsDeletedSource(t *testing.T) {
	w := newWorld(t)
	a := w.document(t, "c", "/a.txt", nil, "alpha")
	b := w.document(t, "c", "/b.txt", nil, "beta")
	id := w.answer(t, "Frage?", answerOpts{docs: []int64{a, b}, cited: true})
	w.rate(t, id, "down", "")
	w.exec(t, "DELETE FROM documents WHERE id = $1", b)
	got, err := w.svc.Review(context.Background(), insight.ReviewFilter{}, keepName)
	if err != nil || len(got) != 1 {
		t.Fatalf("review: %+v %v", got, err)
	}
	if s := string(got[0].Sources); !strings.Contains(s, "no longer available") || strings.Count(s, "passage") != 1 {
		t.Errorf("sources after one was deleted: %s", s)
	}
}
