package answer_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/civitas-eu/civitas/internal/answer"
	"github.com/civitas-eu/civitas/internal/ollama"
	"github.com/civitas-eu/civitas/internal/retrieve"
	"github.com/civitas-eu/civitas/prompts"
)

// threePassages are retrieved for most tests: a fee, a deadline, a form.
var threePassages = []retrieve.Passage{
	passage(1, 4, "Der Bewohnerparkausweis kostet 30 Euro im Jahr."),
	passage(2, 7, "Der Antrag ist bis zum 31. März zu stellen."),
	passage(1, 9, "Das Formular steht im Bürgerportal."),
}

func TestAnswerStreamsSourcesTokensDoneWithCitations(t *testing.T) {
	t.Parallel()
	r, queries := fixed(threePassages...)
	// A scripted answer with valid markers, a repeated one, an out-of-range
	// one, a zero and a year.
	g := newScripted("Der Ausweis", " kostet 30 Euro", " [2]", ".", " Formular [1][3]", " und [7]", " (seit [2024])", " [0] [2].")
	s := newService(t, answer.Config{}, r, g, nil)
	rec := &recorder{}
	req := answer.Request{
		Question: "Wie viel kostet der Ausweis?", Language: "de", Groups: []string{"staff"},
		Collections: []string{"verkehr"}, User: "anna",
	}
	done, err := s.Answer(context.Background(), req, rec.emit)
	if err != nil {
		t.Fatal(err)
	}
	if got := rec.types(); got != "sources token* done" {
		t.Fatalf("events = %q, want sources, tokens, done", got)
	}
	if got := rec.text(); got != done.Answer || !strings.HasPrefix(got, "Der Ausweis kostet") {
		t.Errorf("streamed %q, Done.Answer %q", got, done.Answer)
	}
	if last := rec.events[len(rec.events)-1]; last.Done == nil || last.Done.Answer != done.Answer {
		t.Errorf("done event carries %+v", last.Done)
	}

	src := rec.sources(t)
	if len(src) != 3 || src[0].N != 1 || src[1].ChunkID != 207 || src[2].PageStart != 9 || src[0].Snippet != threePassages[0].Text {
		t.Errorf("sources = %+v", src)
	}
	wantCites := []answer.Citation{
		{N: 2, ChunkID: 207, DocumentID: 2, PageStart: 7, PageEnd: 7, Title: "Document 2", Snippet: threePassages[1].Text},
		{N: 1, ChunkID: 104, DocumentID: 1, PageStart: 4, PageEnd: 4, Title: "Document 1", Snippet: threePassages[0].Text},
		{N: 3, ChunkID: 109, DocumentID: 1, PageStart: 9, PageEnd: 9, Title: "Document 1", Snippet: threePassages[2].Text},
	}
	if !slices.Equal(done.Citations, wantCites) {
		t.Errorf("citations = %+v\nwant %+v", done.Citations, wantCites)
	}
	if !slices.Equal(done.CitedChunkIDs, []int64{207, 104, 109}) || !slices.Equal(done.RetrievedChunkIDs, []int64{104, 207, 109}) {
		t.Errorf("cited %v, retrieved %v", done.CitedChunkIDs, done.RetrievedChunkIDs)
	}

	set, _ := prompts.Load("")
	if done.Mode != answer.ModeAnswer || done.RetrievalMode != retrieve.ModeHybrid || done.EmbedModel != "embed-test" ||
		done.ChatModel != "chat-test" || done.ChatDigest != "sha256:fake" || done.PromptVersion != set.Version() ||
		done.Language != "de" || done.PromptTokens != 321 || done.GeneratedTokens != 8 {
		t.Errorf("provenance = %+v", done)
	}
	if done.Timings.FirstToken <= 0 || done.Timings.Total < done.Timings.FirstToken {
		t.Errorf("timings = %+v", done.Timings)
	}

	q := (*queries)[0]
	if q.Text != req.Question || q.Language != "de" || q.K != 8 || !slices.Equal(q.Groups, req.Groups) || !slices.Equal(q.Collections, req.Collections) {
		t.Errorf("query = %+v", q)
	}
}

func TestNotCovered(t *testing.T) {
	t.Parallel()
	// Twenty-odd words: lang.Detect needs about 20 to decide.
	longGerman := "Ich möchte gern wissen, ob die Stadt auch am Wochenende geöffnet hat und wo ich dann meinen neuen Hund anmelden kann, wenn ich umziehe?"
	tests := []struct {
		name     string
		req      answer.Request
		cfg      answer.Config
		passages []retrieve.Passage
		want     string
	}{
		{"German question detected", answer.Request{Question: longGerman}, answer.Config{}, nil, "Die vorliegenden Dokumente beantworten diese Frage nicht."},
		{"language given", answer.Request{Question: "Horaires ?", Language: "fr"}, answer.Config{}, nil, "Les documents disponibles ne répondent pas à cette question."},
		{"language from earlier turns", answer.Request{Question: "Und am Samstag?", History: []answer.Turn{
			{Role: "user", Content: longGerman}, {Role: "assistant", Content: "Ja."},
		}}, answer.Config{}, nil, "Die vorliegenden Dokumente"},
		{"short question: default language", answer.Request{Question: "Hundesteuer?"}, answer.Config{DefaultLanguage: "nl"}, nil, "De beschikbare documenten"},
		// The asker's interface language decides for a question too short
		// to detect, before the default; a long question keeps its own.
		{"short question: interface language", answer.Request{Question: "Wie hoch ist Hundesteuer?", UILanguage: "de"}, answer.Config{DefaultLanguage: "en"}, nil, "Die vorliegenden Dokumente beantworten diese Frage nicht."},
		{"long question over interface language", answer.Request{Question: longGerman, UILanguage: "fr"}, answer.Config{}, nil, "Die vorliegenden Dokumente"},
		{"explicit language over interface language", answer.Request{Question: "Hundesteuer?", Language: "fr", UILanguage: "de"}, answer.Config{}, nil, "Les documents disponibles"},
		{"all below MinScore", answer.Request{Question: "Hundesteuer?", Language: "de"}, answer.Config{MinScore: 0.9}, threePassages, "Die vorliegenden Dokumente"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, _ := fixed(tt.passages...)
			g := &Generator{ChatStreamFunc: func(_ context.Context, _ string, msgs []ollama.Message, _ ollama.ChatOptions, _ func(string) error) (ollama.ChatStats, error) {
				if strings.Contains(msgs[0].Content, "Rewrite the last question") {
					return ollama.ChatStats{}, errors.New("no condensing here")
				}
				t.Error("the chat model was called for a question nothing covers")
				return ollama.ChatStats{}, nil
			}}
			rec := &recorder{}
			done, err := newService(t, tt.cfg, r, g, nil).Answer(context.Background(), tt.req, rec.emit)
			if err != nil {
				t.Fatal(err)
			}
			if got := rec.types(); got != "sources token* done" {
				t.Errorf("events = %q", got)
			}
			if len(rec.sources(t)) != 0 || done.Mode != answer.ModeNotCovered || !strings.HasPrefix(done.Answer, tt.want) || rec.text() != done.Answer {
				t.Errorf("mode %q, answer %q, streamed %q, want %q", done.Mode, done.Answer, rec.text(), tt.want)
			}
			if len(done.Citations) != 0 || done.Timings.FirstToken <= 0 {
				t.Errorf("done = %+v", done)
			}
		})
	}
}

func TestCondenseFollowUp(t *testing.T) {
	t.Parallel()
	const standalone = "Bis wann ist der Antrag auf einen Bewohnerparkausweis zu stellen?"
	tests := []struct {
		name     string
		condense func(onToken func(string) error) error
		want     string
	}{
		{"condensed", func(onToken func(string) error) error {
			return onToken("Question: „" + standalone + "“\nmore text")
		}, standalone},
		{"condensing fails", func(func(string) error) error { return errors.New("boom") }, "Und die Frist?"},
		{"condensing says nothing", func(onToken func(string) error) error { return onToken("  \n") }, "Und die Frist?"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var condensePrompt string
			answerer := newScripted("Bis 31. März [2].")
			g := &Generator{ChatStreamFunc: func(ctx context.Context, model string, msgs []ollama.Message, opts ollama.ChatOptions, onToken func(string) error) (ollama.ChatStats, error) {
				if strings.Contains(msgs[0].Content, "Rewrite the last question") {
					condensePrompt = msgs[0].Content
					return ollama.ChatStats{}, tt.condense(onToken)
				}
				return answerer.ChatStreamFunc(ctx, model, msgs, opts, onToken)
			}}
			r, queries := fixed(threePassages...)
			req := answer.Request{Question: "Und die Frist?", Language: "de", History: []answer.Turn{
				{Role: "user", Content: "Was kostet der Bewohnerparkausweis?"}, {Role: "assistant", Content: "30 Euro [1]."},
			}}
			done, err := newService(t, answer.Config{}, r, g, nil).Answer(context.Background(), req, (&recorder{}).emit)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(condensePrompt, "user: Was kostet der Bewohnerparkausweis?") || !strings.Contains(condensePrompt, "Last question: Und die Frist?") {
				t.Errorf("condense prompt:\n%s", condensePrompt)
			}
			if got := (*queries)[0].Text; got != tt.want {
				t.Errorf("retrieved with %q, want %q", got, tt.want)
			}
			if _, user := answerer.prompt(t); !strings.Contains(user, "Question: "+tt.want) {
				t.Errorf("answer prompt lacks the question %q:\n%s", tt.want, user)
			}
			if len(done.Citations) != 1 || done.Citations[0].ChunkID != 207 {
				t.Errorf("citations = %+v", done.Citations)
			}
		})
	}
}

func TestEventJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		event answer.Event
		want  string
	}{
		{answer.Event{Type: answer.EventSources}, `{"sources":[],"type":"sources"}`},
		{answer.Event{Type: answer.EventToken, Token: "Hallo"}, `{"token":"Hallo","type":"token"}`},
		{answer.Event{Type: answer.EventError, Error: "stopped"}, `{"error":"stopped","type":"error"}`},
		{answer.Event{Type: answer.EventDone, Done: &answer.Done{Mode: "search", Timings: answer.Timings{Total: 1500000000}}},
			`"timings":{"retrieval_ms":0,"rerank_ms":0,"queue_ms":0,"first_token_ms":0,"total_ms":1500}`},
	}
	for _, tt := range tests {
		b, err := json.Marshal(tt.event)
		if err != nil || !strings.Contains(string(b), tt.want) {
			t.Errorf("%s event = %s, %v; want %s", tt.event.Type, b, err, tt.want)
		}
	}
	var tm answer.Timings
	if err := json.Unmarshal([]byte(`{"retrieval_ms":12,"first_token_ms":34,"total_ms":56}`), &tm); err != nil || tm.FirstToken.Milliseconds() != 34 {
		t.Errorf("Timings round trip = %+v, %v", tm, err)
	}
}

// The documents address a question only when a passage matches its words
// or is close enough in meaning; otherwise the reply is "not covered"
// without a model call.
func TestRelevanceEvidence(t *testing.T) {
	t.Parallel()
	base := passage(1, 1, "Die Hundesteuer beträgt 120 Euro.")
	tests := []struct {
		name        string
		lexicalRank int
		similarity  float64
		wantMode    string
	}{
		{"text match", 1, 0, answer.ModeAnswer},
		{"close in meaning (cross-lingual)", 0, 0.8, answer.ModeAnswer},
		{"neither", 0, 0.3, answer.ModeNotCovered},
		{"not found by either side", 0, 0, answer.ModeNotCovered},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := base
			p.LexicalRank, p.Similarity = tt.lexicalRank, tt.similarity
			r, _ := fixed(p)
			gen := newScripted("Sie beträgt ", "120 Euro [1].")
			s := newService(t, answer.Config{MinSimilarity: 0.6}, r, gen, nil)
			d, err := s.Answer(context.Background(), answer.Request{Question: "Wie hoch ist die Hundesteuer?", Language: "de"}, func(answer.Event) error { return nil })
			if err != nil {
				t.Fatal(err)
			}
			if d.Mode != tt.wantMode {
				t.Errorf("mode %s, want %s", d.Mode, tt.wantMode)
			}
		})
	}
}

// TestShortQuestionAnsweredInInterfaceLanguage: a four-word German
// question is too short for detection; the web chat's interface language
// makes the answer German (the system prompt's language), where it used to
// fall back to the default language, and the retriever is not told a
// language it cannot know the question is in.
func TestShortQuestionAnsweredInInterfaceLanguage(t *testing.T) {
	t.Parallel()
	r, queries := fixed(threePassages...)
	g := newScripted("Der Ausweis kostet 30 Euro [1].")
	s := newService(t, answer.Config{DefaultLanguage: "en"}, r, g, nil)
	done, err := s.Answer(context.Background(), answer.Request{Question: "Was kostet der Bewohnerparkausweis?", UILanguage: "de"}, (&recorder{}).emit)
	if err != nil {
		t.Fatal(err)
	}
	if done.Language != "de" || done.Mode != answer.ModeAnswer {
		t.Errorf("language %q, mode %q; want a German answer", done.Language, done.Mode)
	}
	if len(g.calls) != 1 || !strings.Contains(g.calls[0][0].Content, "language of the question (de)") {
		t.Errorf("system prompt does not ask for German: %v", g.calls)
	}
	if q := *queries; len(q) != 1 || q[0].Language != "" {
		t.Errorf("retriever queries %+v, want one without a language", q)
	}
}
