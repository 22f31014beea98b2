package insight_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/civitas-eu/civitas/internal/insight"
)

// TestThreeNotCoveredQuestionsFormOneGap: three questions about Sperrmüll
// the documents did not cover (one a compound, "Sperrmüllabholung") are
// one gap, counted per ISO week, apart from two questions about parking
// permits, though one of those shares the verb "kostet" with a Sperrmüll
// question (a subject is a noun); an answered, cited question is no gap.
func TestThreeNotCoveredQuestionsFormOneGap(t *testing.T) {
	w := newWorld(t)
	doc := w.document(t, "waste", "/docs/abfall.txt", nil, "Abfallkalender")
	week1 := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC) // ISO week 48
	week2 := week1.AddDate(0, 0, 7)
	w.answer(t, "Wann wird der Sperrmüll abgeholt?", answerOpts{mode: "not_covered", at: week1})
	w.answer(t, "Wie melde ich Sperrmüll an?", answerOpts{mode: "not_covered", at: week2})
	w.answer(t, "Was kostet die Sperrmüllabholung?", answerOpts{docs: []int64{doc}, at: week2.Add(time.Hour)}) // answered, citing nothing
	w.answer(t, "Wo beantrage ich einen Bewohnerparkausweis?", answerOpts{mode: "not_covered", at: week2})
	w.answer(t, "Was kostet ein Bewohnerparkausweis?", answerOpts{mode: "not_covered", at: week1})
	w.answer(t, "Wann ist die Biotonne dran?", answerOpts{docs: []int64{doc}, cited: true, at: week2})

	gaps, err := w.svc.Gaps(context.Background(), insight.GapFilter{Since: week1.AddDate(0, 0, -1)})
	if err != nil {
		t.Fatal(err)
	}
	if len(gaps) != 2 {
		t.Fatalf("gaps: %+v, want the Sperrmüll and the parking permit gaps", gaps)
	}
	g := gaps[0]
	if g.Label != "sperrmüll" || g.Count != 3 || g.NotCovered != 2 || g.LowEvidence != 1 {
		t.Errorf("largest gap: %+v, want sperrmüll with 3 questions (2 not covered, 1 low evidence)", g)
	}
	wantWeeks := []insight.WeekCount{{Week: "2026-W48", Count: 1}, {Week: "2026-W49", Count: 2}}
	if !slices.Equal(g.Weeks, wantWeeks) {
		t.Errorf("weeks: %+v, want %+v", g.Weeks, wantWeeks)
	}
	if gaps[1].Label != "bewohnerparkausweis" || gaps[1].Count != 2 {
		t.Errorf("second gap: %+v", gaps[1])
	}
	// A collection's report leaves out low-evidence answers from other
	// collections' documents; "not covered" questions count for all.
	other, err := w.svc.Gaps(context.Background(), insight.GapFilter{Since: week1.AddDate(0, 0, -1), Collection: "elsewhere"})
	if err != nil || len(other) != 2 || other[0].Count != 2 || other[1].Count != 2 {
		t.Errorf("gaps of another collection: %+v %v, want the two not-covered questions of each subject", other, err)
	}
}
