package modeladmin_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/civitas-eu/civitas/internal/dbtest"
	"github.com/civitas-eu/civitas/internal/modeladmin"
	"github.com/civitas-eu/civitas/internal/retrieve"
	"github.com/civitas-eu/civitas/internal/store"
)

// goldenEnv is an env whose active embedding model is oldName (e.small
// when ""), with a collection of n chunks embedded with it.
func goldenEnv(t *testing.T, tx store.DB, scorer modeladmin.GoldenScorer, col string, n int, oldName string) (env, store.EmbeddingModel) {
	t.Helper()
	ctx := context.Background()
	e := newEnv(t, tx, modeladmin.Config{ReembedPause: -1})
	e.svc = modeladmin.New(modeladmin.Deps{Store: e.st, Ollama: e.llm, Active: e.active, Golden: scorer}, modeladmin.Config{ReembedPause: -1}, nil)
	if oldName == "" {
		oldName = e.small
	}
	dims, err := e.llm.EmbeddingDimensions(ctx, oldName)
	if err != nil {
		t.Fatal(err)
	}
	old, err := e.st.RegisterEmbeddingModel(ctx, oldName, dims, "")
	if err != nil {
		t.Fatal(err)
	}
	e.writeDoc(t, col, old, n)
	if _, err := e.st.SwitchEmbedModel(ctx, old, "test", "start"); err != nil {
		t.Fatal(err)
	}
	return e, old
}

// scripted scores each model as told.
func scripted(scores map[string]modeladmin.GoldenScore) modeladmin.GoldenScorer {
	return func(_ context.Context, model string) (modeladmin.GoldenScore, error) {
		s, ok := scores[model]
		if !ok {
			return s, fmt.Errorf("no score for %s", model)
		}
		s.Model = model
		return s, nil
	}
}

// TestSwitchToWorseModelAwaitsConfirmation: with scripted golden scores,
// a candidate that finds fewer golden answers than the active model is
// not switched to (the result says it awaits confirmation, the active
// model stays); the admin's confirmation (Force) switches; a candidate
// that does as well or better switches at once.
func TestSwitchToWorseModelAwaitsConfirmation(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name       string
		old, new   modeladmin.GoldenScore
		wantSwitch bool
	}{
		{"worse hit@5", modeladmin.GoldenScore{N: 4, Hit5: 1, MRR: 0.9}, modeladmin.GoldenScore{N: 4, Hit5: 0.5, MRR: 0.5}, false},
		{"same hit@5, worse MRR", modeladmin.GoldenScore{N: 4, Hit5: 1, MRR: 0.9}, modeladmin.GoldenScore{N: 4, Hit5: 1, MRR: 0.6}, false},
		{"better", modeladmin.GoldenScore{N: 4, Hit5: 0.5, MRR: 0.4}, modeladmin.GoldenScore{N: 4, Hit5: 0.75, MRR: 0.7}, true},
		{"equal", modeladmin.GoldenScore{N: 4, Hit5: 0.5, MRR: 0.4}, modeladmin.GoldenScore{N: 4, Hit5: 0.5, MRR: 0.4}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tx := dbtest.Tx(t)
			probe := newEnv(t, tx, modeladmin.Config{})
			e, _ := goldenEnv(t, tx, scripted(map[string]modeladmin.GoldenScore{probe.small: tt.old, probe.big: tt.new}), dbtest.UniqueName("golden-"), 3, "")
			res, err := e.svc.Reembed(ctx, e.big, "admin", nil)
			if err != nil {
				t.Fatal(err)
			}
			if res.Golden == nil || res.Golden.Old.Hit5 != tt.old.Hit5 || res.Golden.New.MRR != tt.new.MRR {
				t.Errorf("comparison %+v, want both scores recorded", res.Golden)
			}
			if res.Switched != tt.wantSwitch || res.AwaitingConfirmation == tt.wantSwitch {
				t.Fatalf("switched %v, awaiting %v; want switched %v", res.Switched, res.AwaitingConfirmation, tt.wantSwitch)
			}
			if tt.wantSwitch {
				assertActiveEmbed(t, e, e.big)
				return
			}
			assertActiveEmbed(t, e, e.small)
			res, err = e.svc.ReembedWith(ctx, e.big, "admin", modeladmin.ReembedOptions{Force: true}, nil)
			if err != nil || !res.Switched || !res.Forced {
				t.Fatalf("confirmed switch: %+v, %v; want switched, forced", res, err)
			}
			assertActiveEmbed(t, e, e.big)
		})
	}
}

// TestGoldenGuardRefusesRandomModel runs the real scoring: the golden
// questions are made of passages the active model's (stories260k) vectors
// rank first for them, so it scores hit@5 1 and MRR 1; the candidate
// llama-2-tiny-random, whose 8-dim vectors are random, ranks them lower,
// and the switch is held for the admin's confirmation.
func TestGoldenGuardRefusesRandomModel(t *testing.T) {
	ctx := context.Background()
	tx := dbtest.Tx(t)
	col := dbtest.UniqueName("golden-")
	probe := newEnv(t, tx, modeladmin.Config{})
	e, old := goldenEnv(t, tx, nil, col, 6, probe.big)
	e.writeDoc(t, col, old, 6)
	r := retrieve.New(e.st, e.llm, retrieve.Config{}, nil)
	questions := []string{"parking permits", "residents", "Paragraph about permits", "How long is a permit valid?", "fees for residents"}
	for _, q := range questions {
		got, err := r.Retrieve(ctx, retrieve.Query{Text: q, Collections: []string{col}, Mode: retrieve.ModeVector, EmbedModel: e.big, K: 5})
		if err != nil || len(got.Passages) == 0 {
			t.Fatalf("retrieve %q: %v", q, err)
		}
		top := got.Passages[0]
		if _, _, err := e.st.AddGolden(ctx, store.GoldenQuestion{Collection: col, Question: q, File: top.SourceURI,
			Quote: top.Text, Origin: store.GoldenManual}); err != nil {
			t.Fatal(err)
		}
	}
	oldScore, err := e.svc.ScoreGolden(ctx, e.big)
	if err != nil || oldScore.N != len(questions) || oldScore.Hit5 != 1 || oldScore.MRR != 1 {
		t.Fatalf("active model's golden score %+v (%v), want %d questions at rank 1", oldScore, err, len(questions))
	}
	res, err := e.svc.Reembed(ctx, e.small, "admin", nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Switched || !res.AwaitingConfirmation || res.Golden == nil || !res.Golden.Worse {
		t.Fatalf("switch to %s: %+v (golden %+v), want held for confirmation", e.small, res, res.Golden)
	}
	t.Logf("golden questions: %s hit@5 %.2f MRR %.2f; %s hit@5 %.2f MRR %.2f", e.big, res.Golden.Old.Hit5,
		res.Golden.Old.MRR, e.small, res.Golden.New.Hit5, res.Golden.New.MRR)
	assertActiveEmbed(t, e, e.big)
	// The guard also learnt the candidate's fusion weights from the same
	// questions (fusion_weights.go), for the language they are in.
	if ws, err := e.st.FusionWeights(ctx, e.small); err != nil || len(ws) != 1 || ws[0].Questions != len(questions) {
		t.Errorf("fusion weights of %s after the guard: %+v, %v; want one language, %d questions", e.small, ws, err, len(questions))
	}
	var held int
	if err := tx.QueryRow(ctx, "SELECT count(*) FROM audit_log WHERE action = $1", modeladmin.ActionEmbedSwitchHeld).Scan(&held); err != nil {
		t.Fatal(err)
	}
	if held != 1 {
		t.Errorf("%d %s audit events, want 1", held, modeladmin.ActionEmbedSwitchHeld)
	}
}
