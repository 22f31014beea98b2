package answer_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/civitas-eu/civitas/internal/answer"
	"github.com/civitas-eu/civitas/internal/chunk"
	"github.com/civitas-eu/civitas/internal/retrieve"
)

// words returns a passage text of n short words: 1.35 n tokens.
func words(n int) string {
	return strings.TrimSpace(strings.Repeat("Amt ", n))
}

func TestPacking(t *testing.T) {
	t.Parallel()
	// Each wrapper costs about 20 tokens (title, headings, tags) on top
	// of the text: 100 words are 135 tokens, so one such passage costs
	// about 155.
	tests := []struct {
		name     string
		budget   int
		passages []retrieve.Passage
		want     []int64 // chunk IDs of the sources, in order
	}{
		{"all fit", 1000, []retrieve.Passage{passage(1, 1, words(100)), passage(2, 2, words(100)), passage(3, 3, words(100))}, []int64{101, 202, 303}},
		{"beyond the budget left out", 400, []retrieve.Passage{passage(1, 1, words(100)), passage(2, 2, words(100)), passage(3, 3, words(100))}, []int64{101, 202}},
		{"stops at the first that does not fit", 400, []retrieve.Passage{passage(3, 3, words(100)), passage(1, 1, words(300)), passage(2, 2, words(5))}, []int64{303}},
		{"order kept", 1000, []retrieve.Passage{passage(3, 3, words(10)), passage(1, 1, words(10)), passage(2, 2, words(10))}, []int64{303, 101, 202}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, _ := fixed(tt.passages...)
			g := newScripted("ok")
			rec := &recorder{}
			if _, err := newService(t, answer.Config{ContextBudget: tt.budget}, r, g, nil).Answer(context.Background(), answer.Request{Question: "Gebühr?"}, rec.emit); err != nil {
				t.Fatal(err)
			}
			var got []int64
			for _, s := range rec.sources(t) {
				got = append(got, s.ChunkID)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("sources = %v, want %v", got, tt.want)
			}
			_, user := g.prompt(t)
			if n := strings.Count(user, "<source id="); n != len(tt.want) {
				t.Errorf("prompt quotes %d sources, want %d", n, len(tt.want))
			}
		})
	}
}

func TestPackingTruncatesOnlyAnOversizedFirstPassage(t *testing.T) {
	t.Parallel()
	var sentences []string
	for range 60 {
		sentences = append(sentences, "Die Gebühr für den Bewohnerparkausweis beträgt dreißig Euro im Jahr.")
	}
	long := strings.Join(sentences, " ")
	r, _ := fixed(passage(1, 1, long), passage(2, 2, "short"))
	g := newScripted("ok")
	rec := &recorder{}
	const budget = 200
	if _, err := newService(t, answer.Config{ContextBudget: budget}, r, g, nil).Answer(context.Background(), answer.Request{Question: "Gebühr?"}, rec.emit); err != nil {
		t.Fatal(err)
	}
	if src := rec.sources(t); len(src) != 1 || src[0].ChunkID != 101 {
		t.Fatalf("sources = %+v, want only the truncated first passage", src)
	}
	_, user := g.prompt(t)
	_, texts := blocks(user)
	if len(texts) != 1 {
		t.Fatalf("prompt quotes %d sources:\n%s", len(texts), user)
	}
	quoted := strings.TrimSpace(texts[0])
	if !strings.HasSuffix(quoted, "im Jahr. …") {
		t.Errorf("truncated text does not end at a sentence: …%q", quoted[max(0, len(quoted)-40):])
	}
	if n := chunk.CountTokens(quoted); n > budget || n < budget/2 {
		t.Errorf("truncated text is %d tokens, budget %d", n, budget)
	}
}

func TestWholeDocumentScope(t *testing.T) {
	t.Parallel()
	overlap := "Der Antrag ist schriftlich zu stellen."
	doc := []retrieve.Passage{ // out of order, the second repeating the end of the first
		passage(5, 2, overlap+"\nDie Frist endet am 31. März."),
		passage(5, 1, "Bewohnerparken kostet 30 Euro. "+overlap),
	}
	tests := []struct {
		name          string
		budget        int
		docs          func(id int64) ([]retrieve.Passage, error)
		wantMode      string
		wantSources   []int64
		wantRetrieved bool
	}{
		{"fits: given whole, in order", 1500, func(int64) ([]retrieve.Passage, error) { return doc, nil }, answer.RetrievalWholeDocument, []int64{501, 502}, false},
		{"too long: retrieved", 30, func(int64) ([]retrieve.Passage, error) { return doc, nil }, retrieve.ModeHybrid, []int64{104}, true},
		{"not visible: retrieved", 1500, func(int64) ([]retrieve.Passage, error) { return nil, errors.New("not found") }, retrieve.ModeHybrid, []int64{104}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, queries := fixed(passage(1, 4, "Bewohnerparken kostet 30 Euro."))
			var askedGroups []string
			docs := &Documents{DocumentChunksFunc: func(_ context.Context, id int64, groups []string) ([]retrieve.Passage, error) {
				askedGroups = groups
				return tt.docs(id)
			}}
			g := newScripted("30 Euro [1].")
			rec := &recorder{}
			req := answer.Request{Question: "Was kostet das?", DocumentIDs: []int64{5}, Groups: []string{"verkehr"}}
			done, err := newService(t, answer.Config{ContextBudget: tt.budget}, r, g, docs).Answer(context.Background(), req, rec.emit)
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			for _, s := range rec.sources(t) {
				got = append(got, s.ChunkID)
			}
			if done.RetrievalMode != tt.wantMode || !slices.Equal(got, tt.wantSources) {
				t.Errorf("mode %q, sources %v; want %q, %v", done.RetrievalMode, got, tt.wantMode, tt.wantSources)
			}
			if !slices.Equal(askedGroups, req.Groups) {
				t.Errorf("documents asked with groups %v", askedGroups)
			}
			if (len(*queries) > 0) != tt.wantRetrieved {
				t.Errorf("retriever called %d times", len(*queries))
			}
			if tt.wantRetrieved {
				if q := (*queries)[0]; !slices.Equal(q.DocumentIDs, req.DocumentIDs) || !slices.Equal(q.Groups, req.Groups) {
					t.Errorf("query = %+v: scope or groups lost", q)
				}
				return
			}
			if _, user := g.prompt(t); strings.Count(user, overlap) != 1 {
				t.Errorf("the overlap is quoted %d times, want once:\n%s", strings.Count(user, overlap), user)
			}
		})
	}
}
