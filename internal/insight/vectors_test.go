package insight_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/civitas-eu/civitas/internal/insight"
	"github.com/civitas-eu/civitas/internal/ollama/ollamatest"
)

// TestGapsMergeByMeaningWithARealModel: with a real embedding model
// (all-MiniLM-L6-v2) and a threshold, a question that shares no word
// with the bulky-waste questions ("dispose of old furniture") joins their
// gap, while a question about parking permits stays apart; without
// vectors it is a gap of its own.
func TestGapsMergeByMeaningWithARealModel(t *testing.T) {
	w := newWorld(t)
	llm := ollamatest.Client(t)
	model := ollamatest.RealEmbedder(t, llm)
	at := time.Now().Add(-time.Hour)
	for _, q := range []string{"When is bulky waste collected?", "How do I register bulky waste for pickup?",
		"How do I dispose of old furniture?", "Where do I apply for a residents parking permit?"} {
		w.answer(t, q, answerOpts{mode: "not_covered", at: at})
	}
	embed := func(ctx context.Context, texts []string) ([][]float32, error) { return llm.Embed(ctx, model, texts) }
	for _, tt := range []struct {
		name      string
		threshold float64
		want      []int // gap sizes
	}{
		{"words only", 0, []int{2, 1, 1}},
		{"words and vectors", 0.35, []int{3, 1}},
	} {
		gaps, err := w.svc.Gaps(context.Background(), insight.GapFilter{Since: at.Add(-time.Minute), Embed: embed, MinSimilarity: tt.threshold})
		if err != nil {
			t.Fatal(err)
		}
		var sizes []int
		for _, g := range gaps {
			sizes = append(sizes, g.Count)
		}
		if !slices.Equal(sizes, tt.want) || gaps[0].Label != "bulky" {
			t.Errorf("%s: gaps %+v, want sizes %v with bulky first", tt.name, gaps, tt.want)
		}
		// "Not covered" questions are counted, their texts withheld
		// (gaps_privacy_test.go): the furniture question is the third.
		if tt.threshold > 0 && (gaps[0].Withheld != 3 || len(gaps[0].Questions) != 0) {
			t.Errorf("%s: the furniture question is not in the bulky-waste gap: %+v", tt.name, gaps)
		}
	}
}
