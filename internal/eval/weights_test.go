package eval_test

import (
	"context"
	"crypto/sha256"
	"slices"
	"strings"
	"testing"

	"github.com/civitas-eu/civitas/internal/dbtest"
	"github.com/civitas-eu/civitas/internal/eval"
	"github.com/civitas-eu/civitas/internal/retrieve"
	"github.com/civitas-eu/civitas/internal/store"
)

// misleading is an embedding model that is sure of the wrong thing: every
// golden question lies next to an off-topic "distractor" chunk (similarity
// about 0.995, far over its noise floor), every answer in a direction of
// its own, away from them, and the probe sentences that measure its noise
// floor low (about 0.1). Its votes push full text's right answers down, the way
// MiniLM's on-topic but non-answering chunks do on the shared corpus
// (en-12, en-13).
type misleading struct{ questions, distractors, answers []string }

func (m misleading) Embed(_ context.Context, _ string, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	for i, t := range texts {
		v := make([]float32, 8)
		switch {
		case contains(m.questions, t):
			v[0] = 1
		case contains(m.distractors, t):
			v[0], v[1] = 1, 0.1
		case contains(m.answers, t):
			v[2+slices.Index(m.answers, t)%6] = 1
		default: // the probes
			v[1] = 1
		}
		out[i] = v
	}
	return out, nil
}

func contains(xs []string, x string) bool { return slices.Contains(xs, x) }

// TestLearntWeightsTurnDownMisleadingVectors: golden questions whose
// answers full text finds first and a misleading embedding model buries
// under distractors. With the evidence fusion alone (weight 1; all there
// was before the weights) hybrid ranks a distractor first; learning from
// the golden questions picks vector weight 0 for German, and the stored
// weight makes the same Retriever rank the answers first, while weights
// forced to 1 still show the distractors.
func TestLearntWeightsTurnDownMisleadingVectors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, err := store.New(dbtest.Tx(t))
	if err != nil {
		t.Fatal(err)
	}
	golden := []struct{ question, answer, distractor string }{
		{"Wie hoch ist die Hundesteuer für einen Hund?", "Die Hundesteuer beträgt für jeden Hund 165 Euro im Jahr.", "Parkplätze am Rathaus sind werktags gebührenpflichtig."},
		{"Bis wann müssen Gehwege geräumt werden?", "Gehwege sind werktags bis 7 Uhr zu räumen und zu streuen.", "Die Bibliothek öffnet dienstags um zehn."},
		{"Was kostet eine Ersatzmarke bei Verlust?", "Bei Verlust einer Marke kostet die Ersatzmarke 5 Euro.", "Das Freibad schließt im September."},
	}
	var emb misleading
	var qs []eval.Question
	docs := map[string][]string{}
	for i, g := range golden {
		emb.questions = append(emb.questions, g.question)
		emb.distractors = append(emb.distractors, g.distractor)
		emb.answers = append(emb.answers, g.answer)
		docs["satzung"] = append(docs["satzung"], g.answer)
		docs["freizeit"] = append(docs["freizeit"], g.distractor)
		qs = append(qs, eval.Question{ID: "g" + string(rune('1'+i)), Lang: "de", Type: "golden", Question: g.question,
			Answerable: true, File: "satzung.md", Quote: g.answer})
	}
	m, err := st.RegisterEmbeddingModel(ctx, "misleading", 8, "")
	if err != nil {
		t.Fatal(err)
	}
	for name, texts := range docs {
		chunks := make([]store.Chunk, len(texts))
		for i, c := range texts {
			chunks[i] = store.Chunk{Content: c, TokenCount: len(strings.Fields(c))}
		}
		sum := sha256.Sum256([]byte(name))
		_, ids, err := st.InsertDocument(ctx, store.Document{Collection: "weights", SourceURI: "/docs/" + name + ".md",
			Title: name, MediaType: "text/markdown", Language: "de", TSConfig: "german", ContentHash: sum[:]}, chunks)
		if err != nil {
			t.Fatal(err)
		}
		vecs, _ := emb.Embed(ctx, m.Name, texts)
		if err := st.UpsertEmbeddings(ctx, m, ids, vecs); err != nil {
			t.Fatal(err)
		}
	}
	r := retrieve.New(st, emb, retrieve.Config{EmbedModel: m.Name}, nil)
	opts := eval.Options{Collections: []string{"weights"}, EmbedModel: m.Name, Methods: []string{retrieve.ModeLexical, retrieve.ModeHybrid}}
	hybridMRR := func() (lex, hyb float64) {
		t.Helper()
		rep, err := eval.Run(ctx, r, qs, opts)
		if err != nil {
			t.Fatal(err)
		}
		l, _ := rep.Method(retrieve.ModeLexical)
		h, _ := rep.Method(retrieve.ModeHybrid)
		return l.Overall.MRR, h.Overall.MRR
	}
	lex, before := hybridMRR()
	if lex < 1 || before >= lex {
		t.Fatalf("setup: lexical MRR %.3f (want 1), hybrid %.3f (want below): the vectors do not mislead", lex, before)
	}

	learnt, err := eval.LearnWeights(ctx, r, []eval.QuestionSet{{Collection: "weights", Questions: qs}}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(learnt) != 1 || learnt[0].Language != "de" || learnt[0].Weight != 0 || learnt[0].N != 3 {
		t.Fatalf("learnt %+v, want de: weight 0 from 3 questions", learnt)
	}
	if err := st.ReplaceFusionWeights(ctx, m.Name, []store.FusionWeight{{Language: "de", Vector: learnt[0].Weight,
		Questions: learnt[0].N, Hit5: learnt[0].Hit5, MRR: learnt[0].MRR}}); err != nil {
		t.Fatal(err)
	}
	r.ForgetWeights()
	if w, err := r.VectorWeight(ctx, m.Name, "de"); err != nil || w != 0 {
		t.Fatalf("weight in force for de: %v, %v; want 0", w, err)
	}
	if w, _ := r.VectorWeight(ctx, m.Name, "en"); w != 1 {
		t.Errorf("weight in force for en (nothing learnt): %v, want 1", w)
	}
	if _, after := hybridMRR(); after < lex {
		t.Errorf("hybrid MRR with the learnt weight %.3f, want lexical's %.3f (was %.3f)", after, lex, before)
	}
	one := 1.0
	opts.VectorWeight = &one
	if _, forced := hybridMRR(); forced != before {
		t.Errorf("hybrid MRR with the weight forced to 1: %.3f, want %.3f as before learning", forced, before)
	}

	// Too few questions in a language: nothing learnt, the fusion stays.
	few, err := eval.LearnWeights(ctx, r, []eval.QuestionSet{{Collection: "weights", Questions: qs[:2]}}, opts)
	if err != nil || len(few) != 0 {
		t.Errorf("learnt from 2 questions: %+v, %v; want nothing", few, err)
	}
}
