package insight_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/civitas-eu/civitas/internal/insight"
)

// TestGapsWithholdUnattributableQuestionTexts: a "not covered" question
// rests on no document, so nothing ties it to a collection or group the
// reviewer manages: its text (which may name a colleague) is shown to no
// knowledge manager, and a single such question lends no word to a label.
// It still counts, and a word two questions share still labels their gap.
// A low-evidence answer resting on documents the reviewer may see keeps
// its text.
func TestGapsWithholdUnattributableQuestionTexts(t *testing.T) {
	w := newWorld(t)
	doc := w.document(t, "waste", "/docs/abfall.txt", nil, "Abfallkalender")
	at := time.Now().Add(-time.Hour)
	secret := "Darf ich Frau Kowalczyk wegen ihrer Krankheit kündigen?"
	w.answer(t, secret, answerOpts{mode: "not_covered", at: at, user: "hr.lead"})
	w.answer(t, "Wann wird der Sperrmüll abgeholt?", answerOpts{mode: "not_covered", at: at})
	w.answer(t, "Wie melde ich Sperrmüll an?", answerOpts{mode: "not_covered", at: at})
	lowEvidence := "Was kostet die Biotonne?"
	w.answer(t, lowEvidence, answerOpts{docs: []int64{doc}, at: at})

	gaps, err := w.svc.Gaps(context.Background(), insight.GapFilter{Since: at.Add(-time.Hour), Groups: []string{"finance"}})
	if err != nil {
		t.Fatal(err)
	}
	total, sawLow := 0, false
	for _, g := range gaps {
		total += g.Count
		for _, q := range g.Questions {
			if q == secret || strings.Contains(q, "Sperrmüll") {
				t.Errorf("gap %q shows the not-covered question %q", g.Label, q)
			}
			sawLow = sawLow || q == lowEvidence
		}
		if g.Label == "kowalczyk" || g.Label == "krankheit" || g.Label == "kündigen" || g.Label == "frau" {
			t.Errorf("a single not-covered question labels a gap: %+v", g)
		}
	}
	if total != 4 {
		t.Errorf("gaps count %d questions, want all 4", total)
	}
	if !sawLow {
		t.Errorf("the low-evidence question on a visible document is not shown: %+v", gaps)
	}
	if !slices.ContainsFunc(gaps, func(g insight.Gap) bool { return g.Label == "sperrmüll" && g.Count == 2 && g.Withheld == 2 }) {
		t.Errorf("gaps %+v: want sperrmüll, 2 questions, both withheld", gaps)
	}
}
