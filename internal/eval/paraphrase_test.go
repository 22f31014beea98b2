package eval_test

import (
	"context"
	"testing"

	"github.com/civitas-eu/civitas/internal/dbtest"
	"github.com/civitas-eu/civitas/internal/eval"
	"github.com/civitas-eu/civitas/internal/ollama/ollamatest"
	"github.com/civitas-eu/civitas/internal/retrieve"
	"github.com/civitas-eu/civitas/internal/store"
)

// paraphrases ask about the shared English tax form (IRS 1040) in words
// that the passage answering them does not use: no content word of the
// question, stemmed as PostgreSQL's English configuration stems, occurs
// in it (the test checks that first). Full-text search cannot find those
// passages; an embedding model that captures meaning can.
var paraphrases = []eval.Question{
	{ID: "para-1", Question: "May somebody else talk to the government revenue agency about my paperwork on my behalf?",
		Quote: "allow another person to discuss this return with the IRS"},
	{ID: "para-2", Question: "Where do I swear that everything I wrote is honest and accurate?",
		Quote: "I declare that I have examined this return"},
	{ID: "para-3", Question: "How do I get my money back straight into my bank?",
		Quote: "Routing number"},
	{ID: "para-4", Question: "Where should I put the earnings my employer gave me for my job?",
		Quote: "Wages, salaries, tips, etc."},
	{ID: "para-5", Question: "What is my marital situation for this form: unmarried, wedded, widowed?",
		Quote: "Married filing jointly"},
}

// TestParaphrasesFoundByMeaningNotByWords: with the real English embedding
// model, vector search puts the answering passage of every paraphrased
// question in its top 5, where full-text search does not (it cannot: no
// word is shared). Hybrid's ranks are logged: it needs the vector side's
// evidence to beat the text side's chance matches.
func TestParaphrasesFoundByMeaningNotByWords(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the shared-corpus evaluation (ingests for minutes)")
	}
	pool := dbtest.Migrated(t)
	st, err := store.New(pool)
	if err != nil {
		t.Fatal(err)
	}
	collection, _, real := smallCorpus(t, st)
	qs := make([]eval.Question, len(paraphrases))
	for i, q := range paraphrases {
		q.Lang, q.Type, q.Answerable, q.File = "en", "paraphrase", true, "en_us_irs_form_1040_2010_prefilled.pdf"
		qs[i] = q
		var shared string
		err := pool.QueryRow(context.Background(), `
			SELECT coalesce(string_agg(DISTINCT w.lexeme, ' '), '')
			FROM chunks c
			JOIN documents d ON d.id = c.document_id
			JOIN collections col ON col.id = d.collection_id AND col.name = $1,
			     unnest(to_tsvector('english', $2)) w
			WHERE d.source_uri LIKE '%' || $3 AND d.superseded_by IS NULL
			  AND strpos(regexp_replace(c.content, '\s+', ' ', 'g'), $4) > 0
			  AND to_tsvector('english', c.content) @@ to_tsquery('english', w.lexeme)`,
			collection, q.Question, q.File, q.Quote).Scan(&shared)
		if err != nil {
			t.Fatal(err)
		}
		if shared != "" {
			t.Errorf("%s shares %q with its passage: not a paraphrase", q.ID, shared)
		}
	}
	r := retrieve.New(st, ollamatest.Client(t), retrieve.Config{EmbedModel: real}, nil)
	rep, err := eval.Run(context.Background(), r, qs, eval.Options{
		Collections: []string{collection}, EmbedModel: real, Methods: eval.Methods,
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range rep.Questions {
		lex, vec, hyb := q.Rank[retrieve.ModeLexical], q.Rank[retrieve.ModeVector], q.Rank[retrieve.ModeHybrid]
		t.Logf("%s: rank lexical %d, vector %d, hybrid %d (0: not in the top %d)", q.ID, lex, vec, hyb, rep.K)
		if vec == 0 || vec > 5 {
			t.Errorf("%s: vector search ranks the answer %d, want the top 5", q.ID, vec)
		}
		if lex != 0 && lex <= 5 {
			t.Errorf("%s: full-text search ranks the answer %d: the question shares words with it", q.ID, lex)
		}
	}
}
