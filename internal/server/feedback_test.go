package server_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/civitas-eu/civitas/internal/answer"
	"github.com/civitas-eu/civitas/internal/store"
)

// scripted is an Answerer that streams a fixed answer citing one source,
// for tests of what the server and the browser do with an answer (a real
// small model never writes citation markers).
type scripted struct {
	source answer.Source
	tokens []string
	hold   bool // after the tokens, wait until the client goes away
}

func (s scripted) Answer(ctx context.Context, req answer.Request, emit func(answer.Event) error) (answer.Done, error) {
	start := time.Now()
	if err := emit(answer.Event{Type: answer.EventSources, Sources: []answer.Source{s.source}}); err != nil {
		return answer.Done{}, err
	}
	var text strings.Builder
	for _, tok := range s.tokens {
		text.WriteString(tok)
		if err := emit(answer.Event{Type: answer.EventToken, Token: tok}); err != nil {
			return answer.Done{}, err
		}
	}
	if s.hold {
		<-ctx.Done()
		return answer.Done{}, ctx.Err()
	}
	d := answer.Done{
		Answer: text.String(), Mode: answer.ModeAnswer, RetrievalMode: "hybrid", ChatModel: "scripted", Language: "de",
		Citations: []answer.Citation{{N: 1, ChunkID: s.source.ChunkID, DocumentID: s.source.DocumentID,
			PageStart: s.source.PageStart, PageEnd: s.source.PageEnd, Title: s.source.Title, Snippet: s.source.Snippet}},
		CitedChunkIDs: []int64{s.source.ChunkID}, Timings: answer.Timings{Total: time.Since(start)},
	}
	return d, emit(answer.Event{Type: answer.EventDone, Done: &d})
}

func newScripted() scripted {
	return scripted{
		source: answer.Source{N: 1, ChunkID: 1, DocumentID: 42, DocumentVersion: 1, Title: "Gebührenordnung",
			MediaType: "application/pdf", PageStart: 2, PageEnd: 2, Snippet: "Ein Bewohnerparkausweis kostet 90 Euro."},
		tokens: []string{"Der Ausweis ", "kostet 90 Euro ", "[1]."},
	}
}

type feedbackDone struct {
	AnswerID       int64 `json:"answer_id"`
	ConversationID int64 `json:"conversation_id"`
}

// The done frame names the recorded answer; its asker can rate it (the
// latest verdict wins), nobody else can, and bad input is refused.
func TestFeedbackOnAnswer(t *testing.T) {
	b := setup(t, setupOpts{answerer: newScripted()})
	_, events := b.ask(t, "a.meier", nil, map[string]any{"question": "Was kostet der Bewohnerparkausweis?"})
	if len(events) == 0 || events[len(events)-1].Event != "done" {
		t.Fatalf("events %v, want a done event last", kinds(events))
	}
	d := decode[feedbackDone](t, events[len(events)-1])
	if d.AnswerID == 0 {
		t.Fatalf("done event has no answer_id: %s", events[len(events)-1].Data)
	}
	answers, err := b.store.Answers(context.Background(), d.ConversationID)
	if err != nil || len(answers) != 1 || answers[0].ID != d.AnswerID || answers[0].Answer != "Der Ausweis kostet 90 Euro [1]." {
		t.Fatalf("recorded answers %+v (%v), want one with id %d", answers, err, d.AnswerID)
	}

	url := fmt.Sprintf("%s/api/answers/%d/feedback", b.url, d.AnswerID)
	tests := []struct {
		name        string
		url, user   string
		body        string
		header      map[string]string
		status      int
		wantRating  string
		wantComment string
	}{
		{"asker rates up", url, "a.meier", `{"rating":"up"}`, nil, 204, "up", ""},
		{"asker changes to down with a comment", url, "a.meier", `{"rating":"down","comment":"  Die Gebühr ist veraltet. "}`, nil, 204, "down", "Die Gebühr ist veraltet."},
		{"another user is told it does not exist", url, "b.roth", `{"rating":"up"}`, nil, 404, "down", "Die Gebühr ist veraltet."},
		{"unknown answer", fmt.Sprintf("%s/api/answers/%d/feedback", b.url, d.AnswerID+100000), "a.meier", `{"rating":"up"}`, nil, 404, "down", "Die Gebühr ist veraltet."},
		{"rating must be up or down", url, "a.meier", `{"rating":"meh"}`, nil, 400, "down", "Die Gebühr ist veraltet."},
		{"unknown field", url, "a.meier", `{"rating":"up","stars":5}`, nil, 400, "down", "Die Gebühr ist veraltet."},
		{"comment too long", url, "a.meier", `{"rating":"up","comment":"` + strings.Repeat("x", store.MaxFeedbackComment+1) + `"}`, nil, 400, "down", "Die Gebühr ist veraltet."},
		{"bad id", b.url + "/api/answers/zero/feedback", "a.meier", `{"rating":"up"}`, nil, 400, "down", "Die Gebühr ist veraltet."},
		{"no identity", url, "", `{"rating":"up"}`, nil, 401, "down", "Die Gebühr ist veraltet."},
		{"cross-site request", url, "a.meier", `{"rating":"up"}`, map[string]string{"Sec-Fetch-Site": "cross-site"}, 403, "down", "Die Gebühr ist veraltet."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if resp, body := request(t, "POST", tt.url, tt.user, nil, tt.body, tt.header); resp.StatusCode != tt.status {
				t.Fatalf("status %d %s, want %d", resp.StatusCode, body, tt.status)
			}
			f, err := b.store.FeedbackOf(context.Background(), d.AnswerID, "a.meier")
			if err != nil || f.Rating != tt.wantRating || f.Comment != tt.wantComment {
				t.Errorf("stored feedback %+v (%v), want %s %q", f, err, tt.wantRating, tt.wantComment)
			}
			if _, err := b.store.FeedbackOf(context.Background(), d.AnswerID, "b.roth"); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("feedback stored for another user: %v", err)
			}
		})
	}
}
