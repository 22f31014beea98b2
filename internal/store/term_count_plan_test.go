package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/civitas-eu/civitas/internal/store"
)

// TestTermDocumentFrequencyCountedOncePerTerm: the full-text side looks up
// (in term_stats) or counts (in the full-text index) each term's document
// frequency once. The count used to be a CASE that the planner pulled up
// into each of its four uses, so a caller who may not see every document
// had the chunks of each term counted four times (issue 16: filtered
// hybrid at 4× the unfiltered one). The plan of the query shows every
// copy: one term_stats lookup for the corpus size plus one per term, and
// one tsquery match of the chunks for counting.
func TestTermDocumentFrequencyCountedOncePerTerm(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := seed(t, 8, []seedDoc{
		{name: "a", collection: "c", lang: "de", chunks: []string{"Die Hundesteuer beträgt 120 Euro im Jahr.", "Hunde sind anzumelden."}},
		{name: "b", collection: "c", lang: "de", groups: []string{"secret"}, chunks: []string{"Die Gebühr beträgt 30 Euro."}},
	})
	for _, groups := range [][]string{{"secret"}, nil} { // sees everything; does not (counts)
		for _, mode := range []string{"lexical", "hybrid"} {
			plan, err := c.st.ExplainRetrieve(ctx, mode, c.model, store.RetrieveQuery{
				RetrieveFilter: store.RetrieveFilter{Groups: groups},
				Text:           "Hundesteuer Euro", QuestionConfig: "german", Vector: unit(8, 0, 0),
			})
			if err != nil {
				t.Fatal(err)
			}
			if n := strings.Count(plan, "on term_stats "); n > 2 {
				t.Errorf("%s, groups %v: term_stats read %d times in the plan, want 2 (corpus, terms):\n%s", mode, groups, n, plan)
			}
			// Counting shows the match as an index and a recheck
			// condition (bitmap scan) or as one filter (sequential scan).
			if n := strings.Count(plan, "tsv @@ ((quote_literal"); n > 2 {
				t.Errorf("%s, groups %v: chunks matched for counting %d times in the plan, want one scan:\n%s", mode, groups, n, plan)
			}
		}
	}
}
