package modeladmin_test

import (
	"context"
	"slices"
	"testing"

	"github.com/civitas-eu/civitas/internal/answer"
	"github.com/civitas-eu/civitas/internal/dbtest"
	"github.com/civitas-eu/civitas/internal/modeladmin"
	"github.com/civitas-eu/civitas/internal/retrieve"
	"github.com/civitas-eu/civitas/internal/store"
	"github.com/civitas-eu/civitas/prompts"
)

// scriptedChat answers each question with a scripted text over two
// sources; in a collection with no documents it refuses only when told.
type scriptedChat struct {
	replies       map[string]string
	refusesEmpty  bool
	emptyAskedFor []string
}

func (s *scriptedChat) Answer(_ context.Context, req answer.Request, emit func(answer.Event) error) (answer.Done, error) {
	if !slices.Contains(req.Collections, "golden-col") {
		s.emptyAskedFor = append(s.emptyAskedFor, req.Question)
		if s.refusesEmpty {
			return answer.Done{Mode: answer.ModeNotCovered}, nil
		}
		return answer.Done{Mode: answer.ModeAnswer, Answer: "Invented."}, nil
	}
	if err := emit(answer.Event{Type: answer.EventSources, Sources: make([]answer.Source, 2)}); err != nil {
		return answer.Done{}, err
	}
	return answer.Done{Mode: answer.ModeAnswer, Answer: s.replies[req.Question]}, nil
}

func addGolden(t *testing.T, st *store.Store, col string, questions ...string) {
	t.Helper()
	ctx := context.Background()
	if _, err := st.EnsureCollection(ctx, col); err != nil {
		t.Fatal(err)
	}
	for _, q := range questions {
		if _, _, err := st.AddGolden(ctx, store.GoldenQuestion{Collection: col, Question: q, File: "a.md", Quote: "x", Origin: store.GoldenManual}); err != nil {
			t.Fatal(err)
		}
	}
}

// TestCheckChatCountsInventedCitations: an answer citing [3] of two
// sources, or citing nothing, fails the citation check; [1] and [1, 2]
// pass. A model setup that answers where no document matches fails the
// refusal check on every question; one that refuses passes.
func TestCheckChatCountsInventedCitations(t *testing.T) {
	ctx := context.Background()
	tx := dbtest.Tx(t)
	e := newEnv(t, tx, modeladmin.Config{})
	addGolden(t, e.st, "golden-col", "q1", "q2", "q3", "q4")
	replies := map[string]string{"q1": "Yes [1].", "q2": "Both [1, 2].", "q3": "See [3].", "q4": "No source."}
	for _, refuses := range []bool{true, false} {
		chat := &scriptedChat{replies: replies, refusesEmpty: refuses}
		rep, err := e.svc.CheckChat(ctx, e.big, chat, 10)
		if err != nil {
			t.Fatal(err)
		}
		wantRefusal := modeladmin.ChatCheckResult{Check: modeladmin.CheckRefusesNoSources, Passed: 4}
		if !refuses {
			wantRefusal = modeladmin.ChatCheckResult{Check: modeladmin.CheckRefusesNoSources, Failed: 4}
		}
		want := []modeladmin.ChatCheckResult{{Check: modeladmin.CheckCitationsExist, Passed: 2, Failed: 2}, wantRefusal}
		if rep.Model != e.big || !slices.Equal(rep.Checks, want) {
			t.Errorf("refuses %v: report %+v, want %+v", refuses, rep, want)
		}
		if len(chat.emptyAskedFor) != 4 {
			t.Errorf("asked %d questions where no document matches, want 4", len(chat.emptyAskedFor))
		}
	}
	if _, err := e.svc.CheckChat(ctx, "no-such-model:1b", &scriptedChat{}, 0); err == nil {
		t.Error("a model that is not installed was checked")
	}
}

// TestCheckChatWithRealModel runs the checks on stories260k through the
// real answer service: where no document matches, the answer is the
// not-covered refusal whatever the model.
func TestCheckChatWithRealModel(t *testing.T) {
	ctx := context.Background()
	tx := dbtest.Tx(t)
	e := newEnv(t, tx, modeladmin.Config{})
	dims, err := e.llm.EmbeddingDimensions(ctx, e.small)
	if err != nil {
		t.Fatal(err)
	}
	m, err := e.st.RegisterEmbeddingModel(ctx, e.small, dims, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.SwitchEmbedModel(ctx, m, "test", "start"); err != nil {
		t.Fatal(err)
	}
	if err := e.active.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	col := dbtest.UniqueName("chatcheck-")
	e.writeDoc(t, col, m, 2)
	addGolden(t, e.st, col, "parking permits for residents", "What do residents need for parking?")
	set, err := prompts.Load("")
	if err != nil {
		t.Fatal(err)
	}
	r := retrieve.New(e.st, e.llm, retrieve.Config{}, nil)
	svc, err := answer.New(answer.Config{Models: e.svc.CandidateModels(e.big), MaxAnswerTokens: 16, MinSimilarity: 1.1}, r, e.llm, nil, set, nil)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := e.svc.CheckChat(ctx, e.big, svc, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: %+v", e.big, rep.Checks)
	if len(rep.Checks) != 2 || rep.Checks[1] != (modeladmin.ChatCheckResult{Check: modeladmin.CheckRefusesNoSources, Passed: 2}) ||
		rep.Checks[0].Passed+rep.Checks[0].Failed != 2 {
		t.Errorf("report %+v", rep)
	}
}
