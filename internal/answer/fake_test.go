package answer_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/civitas-eu/civitas/internal/answer"
	"github.com/civitas-eu/civitas/internal/ollama"
	"github.com/civitas-eu/civitas/internal/retrieve"
	"github.com/civitas-eu/civitas/prompts"
)

// Retriever is a fake answer.Retriever.
type Retriever struct {
	RetrieveFunc func(ctx context.Context, q retrieve.Query) (retrieve.Result, error)
}

var _ answer.Retriever = (*Retriever)(nil)

func (r *Retriever) Retrieve(ctx context.Context, q retrieve.Query) (retrieve.Result, error) {
	return r.RetrieveFunc(ctx, q)
}

// fixed is a Retriever that returns passages in hybrid mode and records
// the queries it was asked.
func fixed(passages ...retrieve.Passage) (*Retriever, *[]retrieve.Query) {
	var mu sync.Mutex
	var queries []retrieve.Query
	return &Retriever{RetrieveFunc: func(_ context.Context, q retrieve.Query) (retrieve.Result, error) {
		mu.Lock()
		defer mu.Unlock()
		queries = append(queries, q)
		return retrieve.Result{Passages: passages, Mode: retrieve.ModeHybrid, EmbedModel: "embed-test"}, nil
	}}, &queries
}

// Generator is a fake answer.Generator.
type Generator struct {
	ChatStreamFunc func(ctx context.Context, model string, messages []ollama.Message, opts ollama.ChatOptions, onToken func(string) error) (ollama.ChatStats, error)
	ShowFunc       func(ctx context.Context, model string) (ollama.ModelInfo, error)
}

var _ answer.Generator = (*Generator)(nil)

func (g *Generator) ChatStream(ctx context.Context, model string, messages []ollama.Message, opts ollama.ChatOptions, onToken func(string) error) (ollama.ChatStats, error) {
	return g.ChatStreamFunc(ctx, model, messages, opts, onToken)
}

func (g *Generator) Show(ctx context.Context, model string) (ollama.ModelInfo, error) {
	if g.ShowFunc == nil {
		return ollama.ModelInfo{Name: model, Digest: "sha256:fake", ContextLength: 8192}, nil
	}
	return g.ShowFunc(ctx, model)
}

// scripted is a Generator that replays tokens one by one, honouring ctx,
// and records the messages of every call (the last is the answer's).
type scripted struct {
	Generator
	mu    sync.Mutex
	calls [][]ollama.Message
	sent  int // tokens sent by the last call
}

func newScripted(tokens ...string) *scripted {
	g := &scripted{}
	g.ChatStreamFunc = func(ctx context.Context, _ string, msgs []ollama.Message, _ ollama.ChatOptions, onToken func(string) error) (ollama.ChatStats, error) {
		g.mu.Lock()
		g.calls = append(g.calls, msgs)
		g.sent = 0
		g.mu.Unlock()
		for _, tok := range tokens {
			if err := ctx.Err(); err != nil {
				return ollama.ChatStats{}, err
			}
			if err := onToken(tok); err != nil {
				return ollama.ChatStats{}, err
			}
			g.mu.Lock()
			g.sent++
			g.mu.Unlock()
		}
		return ollama.ChatStats{PromptTokens: 321, GeneratedTokens: len(tokens)}, nil
	}
	return g
}

// prompt returns the user message of the last call.
func (g *scripted) prompt(t *testing.T) (system, user string) {
	t.Helper()
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.calls) == 0 {
		t.Fatal("the generator was not called")
	}
	msgs := g.calls[len(g.calls)-1]
	if len(msgs) != 2 || msgs[0].Role != "system" || msgs[1].Role != "user" {
		t.Fatalf("messages = %+v, want system then user", msgs)
	}
	return msgs[0].Content, msgs[1].Content
}

// Documents is a fake answer.DocumentSource.
type Documents struct {
	DocumentChunksFunc func(ctx context.Context, docID int64, groups []string) ([]retrieve.Passage, error)
}

var _ answer.DocumentSource = (*Documents)(nil)

func (d *Documents) DocumentChunks(ctx context.Context, docID int64, groups []string) ([]retrieve.Passage, error) {
	return d.DocumentChunksFunc(ctx, docID, groups)
}

// recorder collects the events of one answer.
type recorder struct {
	mu     sync.Mutex
	events []answer.Event
	// onEvent, when set, runs on each event; its error is emit's.
	onEvent func(answer.Event) error
}

func (r *recorder) emit(e answer.Event) error {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
	if r.onEvent != nil {
		return r.onEvent(e)
	}
	return nil
}

// types returns the event types in order, with runs of tokens as one
// "token*".
func (r *recorder) types() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, e := range r.events {
		if e.Type == answer.EventToken && len(out) > 0 && out[len(out)-1] == "token*" {
			continue
		}
		if e.Type == answer.EventToken {
			out = append(out, "token*")
			continue
		}
		out = append(out, e.Type)
	}
	return strings.Join(out, " ")
}

func (r *recorder) text() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var b strings.Builder
	for _, e := range r.events {
		b.WriteString(e.Token)
	}
	return b.String()
}

func (r *recorder) sources(t *testing.T) []answer.Source {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.events) == 0 || r.events[0].Type != answer.EventSources {
		t.Fatalf("first event is not sources: %+v", r.events)
	}
	return r.events[0].Sources
}

// newService returns a Service over the built-in prompts.
func newService(t *testing.T, cfg answer.Config, r answer.Retriever, g answer.Generator, docs answer.DocumentSource) *answer.Service {
	t.Helper()
	set, err := prompts.Load("")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ChatModel == "" {
		cfg.ChatModel = "chat-test"
	}
	s, err := answer.New(cfg, r, g, docs, set, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// passage returns a test passage n of a document, one page each, found by
// the full-text search (so it is evidence the documents are relevant).
func passage(doc int64, n int, text string) retrieve.Passage {
	return retrieve.Passage{
		ChunkID: doc*100 + int64(n), DocumentID: doc, DocumentVersion: 1,
		Title: fmt.Sprintf("Document %d", doc), SourceURI: fmt.Sprintf("file:///docs/%d.pdf", doc), MediaType: "application/pdf",
		PageStart: n, PageEnd: n, HeadingPath: []string{"Chapter", fmt.Sprintf("Section %d", n)},
		Text: text, Score: 1 / float64(n+1), Ordinal: n, LexicalRank: n,
	}
}
