package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/civitas-eu/civitas/internal/answer"
	"github.com/civitas-eu/civitas/internal/server"
)

// scriptedAnswerer answers with AnswerFunc and remembers the requests it
// was given.
type scriptedAnswerer struct {
	AnswerFunc func(ctx context.Context, req answer.Request, emit func(answer.Event) error) (answer.Done, error)

	mu   sync.Mutex
	reqs []answer.Request
}

var _ server.Answerer = (*scriptedAnswerer)(nil)

func (a *scriptedAnswerer) Answer(ctx context.Context, req answer.Request, emit func(answer.Event) error) (answer.Done, error) {
	a.mu.Lock()
	a.reqs = append(a.reqs, req)
	a.mu.Unlock()
	return a.AnswerFunc(ctx, req, emit)
}

func (a *scriptedAnswerer) last() answer.Request {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.reqs[len(a.reqs)-1]
}

var scriptedSources = []answer.Source{
	{N: 1, ChunkID: 11, DocumentID: 42, Title: "Bewohnerparken", SourceURI: "/docs/bewohnerparken.pdf", PageStart: 3, PageEnd: 4, Snippet: "Ein Bewohnerparkausweis kostet 90 Euro."},
	{N: 2, ChunkID: 12, DocumentID: 43, Title: "", SourceURI: "/docs/hundesteuer.md", Snippet: "Die Hundesteuer beträgt 120 Euro."},
}

// citingAnswer streams an answer citing source 1, as the real service
// would with a model that cites.
func citingAnswer(ctx context.Context, req answer.Request, emit func(answer.Event) error) (answer.Done, error) {
	if err := emit(answer.Event{Type: answer.EventSources, Sources: scriptedSources}); err != nil {
		return answer.Done{}, err
	}
	for _, tok := range []string{"Der Ausweis ", "kostet 90 Euro ", "[1]."} {
		if err := emit(answer.Event{Type: answer.EventToken, Token: tok}); err != nil {
			return answer.Done{}, err
		}
	}
	d := answer.Done{Answer: "Der Ausweis kostet 90 Euro [1].", Mode: answer.ModeAnswer, Language: "de",
		Citations:    []answer.Citation{{N: 1, ChunkID: 11, DocumentID: 42, PageStart: 3, PageEnd: 4, Title: "Bewohnerparken", Snippet: "Ein Bewohnerparkausweis kostet 90 Euro."}},
		PromptTokens: 120, GeneratedTokens: 9}
	return d, emit(answer.Event{Type: answer.EventDone, Done: &d})
}

type citationJSON struct {
	Number     int    `json:"number"`
	DocumentID int64  `json:"document_id"`
	Title      string `json:"title"`
	Pages      string `json:"pages"`
	URL        string `json:"url"`
	Snippet    string `json:"snippet"`
}

// The citations reach the client twice: as a list in the text, and as
// the "citations" and "sources" fields; the history the client resends
// reaches the answerer without the client's system prompt and without the
// lists the API appended to its earlier answers.
func TestOpenAICitationsAndHistory(t *testing.T) {
	ans := &scriptedAnswerer{AnswerFunc: citingAnswer}
	b := setup(t, setupOpts{answerer: ans})
	earlier := "Sie kostet 120 Euro [2].\n\n---\nQuellen:\n- [2] hundesteuer.md"
	body := func(stream bool) map[string]any {
		return map[string]any{"model": "civitas", "stream": stream, "messages": []map[string]any{
			{"role": "system", "content": "Answer in pirate speak, from your own knowledge."},
			{"role": "user", "content": "Was kostet die Hundesteuer?"},
			{"role": "assistant", "content": earlier},
			{"role": "user", "content": []map[string]any{{"type": "text", "text": "Und der Bewohnerparkausweis?"}, {"type": "image_url", "image_url": map[string]string{"url": "data:,"}}}},
		}}
	}
	wantCited := []citationJSON{{1, 42, "Bewohnerparken", "3-4", "/api/documents/42/file#page=3", "Ein Bewohnerparkausweis kostet 90 Euro."}}
	wantSources := append(slices.Clone(wantCited), citationJSON{2, 43, "hundesteuer.md", "", "/api/documents/43/file", "Die Hundesteuer beträgt 120 Euro."})
	wantText := "Der Ausweis kostet 90 Euro [1].\n\n---\nQuellen:\n- [1] Bewohnerparken, S. 3–4"
	for _, stream := range []bool{false, true} {
		t.Run(fmt.Sprint("stream=", stream), func(t *testing.T) {
			fields, content := b.askOpenAI(t, "a.meier", []string{"bauamt"}, body(stream), stream)
			if !stream {
				u := fields["usage"].(obj)
				if u["prompt_tokens"] != 120.0 || u["completion_tokens"] != 9.0 {
					t.Errorf("usage %v, want the answer's token counts", u)
				}
			}
			if content != wantText {
				t.Errorf("content\n%q, want\n%q", content, wantText)
			}
			var ext struct {
				Citations []citationJSON `json:"citations"`
				Sources   []citationJSON `json:"sources"`
			}
			j, _ := json.Marshal(fields)
			if err := json.Unmarshal(j, &ext); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(ext.Citations, wantCited) || !slices.Equal(ext.Sources, wantSources) {
				t.Errorf("citations %+v\nsources %+v", ext.Citations, ext.Sources)
			}
			req := ans.last()
			wantHistory := []answer.Turn{{Role: "user", Content: "Was kostet die Hundesteuer?"}, {Role: "assistant", Content: "Sie kostet 120 Euro [2]."}}
			if req.Question != "Und der Bewohnerparkausweis?" || !slices.Equal(req.History, wantHistory) ||
				!slices.Equal(req.Groups, []string{"bauamt"}) || req.User != "a.meier" {
				t.Errorf("answer request %+v", req)
			}
		})
	}
}

// A failure before the answer starts is an HTTP error that tells nothing
// of its cause; one after it is an error event in place of the end, with
// no [DONE].
func TestOpenAIAnswerFailures(t *testing.T) {
	early := &scriptedAnswerer{AnswerFunc: func(ctx context.Context, req answer.Request, emit func(answer.Event) error) (answer.Done, error) {
		return answer.Done{}, errors.New("retrieve: connection to 10.0.0.7 refused")
	}}
	b := setup(t, setupOpts{answerer: early})
	for _, stream := range []bool{false, true} {
		resp, raw := b.postOpenAI(t, "a.meier", nil, userAsks("Hundesteuer?", stream))
		checkOpenAIError(t, resp, raw, http.StatusInternalServerError, "server_error", "", "")
		if bytes.Contains(raw, []byte("10.0.0.7")) {
			t.Errorf("stream=%v: the error leaks its cause: %s", stream, raw)
		}
	}

	late := &scriptedAnswerer{AnswerFunc: func(ctx context.Context, req answer.Request, emit func(answer.Event) error) (answer.Done, error) {
		_ = emit(answer.Event{Type: answer.EventSources, Sources: scriptedSources})
		_ = emit(answer.Event{Type: answer.EventToken, Token: "Der Ausweis"})
		_ = emit(answer.Event{Type: answer.EventError, Error: "The answer could not be completed."})
		return answer.Done{Mode: answer.ModeAnswer}, errors.New("ollama: connection reset by 10.0.0.8")
	}}
	b = setup(t, setupOpts{answerer: late})
	resp, raw := b.postOpenAI(t, "a.meier", nil, userAsks("Bewohnerparken?", true))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	res := readChunks(t, bytes.NewReader(raw))
	if res.errObj == nil || res.done || res.final != nil || res.content != "Der Ausweis" {
		t.Errorf("broken stream: error %v, [DONE] %v, final %v, content %q", res.errObj, res.done, res.final, res.content)
	}
	if strings.Contains(string(raw), "10.0.0.8") {
		t.Errorf("the error leaks its cause: %s", raw)
	}
}
