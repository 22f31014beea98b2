package server

// The OpenAI-compatible API lets chat front ends that speak OpenAI's chat
// completions protocol (Open WebUI, LibreChat, the openai libraries) use
// the assistant. It is a second door to the same answers: every request
// goes through the server's Answerer with the caller's access groups, so
// retrieval, prompts, the not-covered reply, search mode and the answer
// record are those of POST /api/chat.

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/civitas-eu/civitas/internal/answer"
)

// openAIModel is the one model id the API offers: the assistant answering
// from the documents. Clients pick it from GET /v1/models and send it back
// as "model".
const openAIModel = "civitas"

// maxHistoryTurns bounds the earlier messages passed on as history: the
// last turns are what a follow-up refers to (as in conversationFor).
const maxHistoryTurns = 12

// openAI serves /v1. created is when the route table was built, the
// "created" of the model list.
type openAI struct {
	s       *Server
	created int64
}

func newOpenAI(s *Server) *openAI { return &openAI{s: s, created: time.Now().Unix()} }

// openAIModelEntry is one entry of GET /v1/models. ChatModel and
// EmbedModel are our extension: which Ollama models answer under this id.
type openAIModelEntry struct {
	ID         string `json:"id"`
	Object     string `json:"object"` // "model"
	Created    int64  `json:"created"`
	OwnedBy    string `json:"owned_by"`
	ChatModel  string `json:"chat_model"`
	EmbedModel string `json:"embed_model"`
}

// models lists the model ids in OpenAI's list format.
func (o *openAI) models(w http.ResponseWriter, r *http.Request) {
	chat, embed := o.s.activeModels()
	writeJSON(w, r, http.StatusOK, map[string]any{
		"object": "list",
		"data": []openAIModelEntry{{
			ID: openAIModel, Object: "model", Created: o.created, OwnedBy: "civitas",
			ChatModel: chat, EmbedModel: embed,
		}},
	})
}

// openAIRequest is the part of a chat completions body we read. Unknown
// fields are ignored, not refused: clients send many (tools, seed,
// top_p, ...). temperature and max_tokens are ignored too: generation
// settings are the server's, so the same question over the same documents
// gets the same grounded answer whichever client asks.
type openAIRequest struct {
	Model         string          `json:"model"`
	Messages      []openAIMessage `json:"messages"`
	Stream        bool            `json:"stream"`
	StreamOptions *struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
	N    *int   `json:"n"`
	User string `json:"user"`
	// Collections is our extension: the collections to answer from; none
	// (what OpenAI clients send) means all the caller may see.
	Collections []string `json:"collections"`
}

type openAIMessage struct {
	Role    string          `json:"role"`
	Content json.RawMessage `json:"content"` // a string, an array of parts, or null
}

// text returns the message's text: the string, or its text parts joined.
// Other parts (images, audio) carry nothing the documents can answer.
func (m openAIMessage) text() (string, bool) {
	c := m.Content
	if len(c) == 0 || string(c) == "null" {
		return "", true
	}
	var s string
	if err := json.Unmarshal(c, &s); err == nil {
		return s, true
	}
	var parts []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	if err := json.Unmarshal(c, &parts); err != nil {
		return "", false
	}
	var texts []string
	for _, p := range parts {
		if p.Type == "text" {
			texts = append(texts, p.Text)
		}
	}
	return strings.Join(texts, "\n"), true
}

// decodeOpenAI reads and checks a chat completions request and returns it
// with the question (the last user message) and the history before it.
func decodeOpenAI(r *http.Request) (openAIRequest, string, []answer.Turn, error) {
	var req openAIRequest
	// Whole conversations come in every request, so the limit is generous.
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&req); err != nil {
		return req, "", nil, invalidParam("", "the body must be a JSON chat completions request: "+err.Error())
	}
	switch {
	case req.Model == "":
		return req, "", nil, invalidParam("model", "\"model\" is required")
	case req.Model != openAIModel:
		return req, "", nil, &paramError{
			err:   errorf(CodeNotFound, fmt.Sprintf("the model %q does not exist; use %q", req.Model, openAIModel)),
			Param: "model", OpenAICode: "model_not_found",
		}
	case req.N != nil && *req.N != 1:
		return req, "", nil, invalidParam("n", "only one choice (\"n\": 1) is supported")
	case len(req.Collections) > 20:
		return req, "", nil, invalidParam("collections", "\"collections\" names more than 20 collections")
	case len(req.Messages) == 0:
		return req, "", nil, invalidParam("messages", "\"messages\" must not be empty")
	}
	texts := make([]string, len(req.Messages))
	last := -1 // the last message that is not the client's instructions
	for i, m := range req.Messages {
		t, ok := m.text()
		if !ok {
			return req, "", nil, invalidParam(fmt.Sprintf("messages[%d].content", i), "a message's content must be a string or an array of content parts")
		}
		texts[i] = t
		// System (and "developer") messages are ignored: the system prompt
		// that keeps answers to the sources, with citations, and refuses
		// instructions inside documents is the server's. A client's own
		// would compete with it, and could tell the model to answer from
		// its own knowledge.
		if m.Role != "system" && m.Role != "developer" {
			last = i
		}
	}
	if last < 0 || req.Messages[last].Role != "user" {
		return req, "", nil, invalidParam("messages", "the last message must be the user's question")
	}
	question := strings.TrimSpace(texts[last])
	switch {
	case question == "":
		return req, "", nil, invalidParam("messages", "the question (the last user message) must not be empty")
	case !utf8.ValidString(question):
		return req, "", nil, invalidParam("messages", "the question must be valid UTF-8")
	case utf8.RuneCountInString(question) > maxQuestion:
		return req, "", nil, invalidParam("messages", fmt.Sprintf("the question is longer than %d characters", maxQuestion))
	}
	var history []answer.Turn
	for i, m := range req.Messages[:last] {
		t := strings.TrimSpace(texts[i])
		if m.Role == "assistant" {
			t = stripSourcesBlock(t) // our own list of sources is no part of what was said
		}
		if (m.Role == "user" || m.Role == "assistant") && t != "" {
			history = append(history, answer.Turn{Role: m.Role, Content: t})
		}
	}
	return req, question, history[max(0, len(history)-maxHistoryTurns):], nil
}

// completions answers POST /v1/chat/completions, as one chat.completion
// object or, with "stream": true, as chat.completion.chunk events.
func (o *openAI) completions(w http.ResponseWriter, r *http.Request) {
	s := o.s
	ctx := r.Context()
	u := user(r)
	req, question, history, err := decodeOpenAI(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	// OpenAI clients know no "queued" event: a question waits for its
	// slot before anything is sent, and a wait that runs out is a 429
	// with Retry-After, which they retry.
	ticket, err := s.gate.enter(u.Name)
	if err == nil && ticket.position() > 0 {
		err = ticket.wait(ctx, nil)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	defer ticket.release()
	// Each request is filed as a conversation of its own: OpenAI clients
	// resend the whole history and name no conversation of ours.
	conv, _, err := s.conversationFor(ctx, chatRequest{Question: question}, u.Name)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("X-Conversation-ID", fmt.Sprint(conv.ID))
	ar := answer.Request{Question: question, History: history, Collections: req.Collections, Groups: u.Groups, User: u.Name}
	c := completion{id: newCompletionID(), created: time.Now().Unix(), model: req.Model}
	var out outcome
	if req.Stream {
		includeUsage := req.StreamOptions != nil && req.StreamOptions.IncludeUsage
		out = o.stream(w, r, ar, c, includeUsage)
	} else {
		out = o.complete(w, r, ar, c)
	}
	s.record(ctx, conv.ID, u.Name, question, out.sources, out.text, out.done, out.err)
}

// outcome is what an answer came to, for the record.
type outcome struct {
	sources []answer.Source
	text    string // the streamed text, in case Done has none
	done    answer.Done
	err     error
}

// complete answers with one chat.completion object.
func (o *openAI) complete(w http.ResponseWriter, r *http.Request, ar answer.Request, c completion) outcome {
	var out outcome
	var text strings.Builder
	out.done, out.err = o.s.answerer.Answer(r.Context(), ar, func(e answer.Event) error {
		switch e.Type {
		case answer.EventSources:
			out.sources = e.Sources
		case answer.EventToken:
			text.WriteString(e.Token)
		}
		return nil
	})
	out.text = text.String()
	if out.err != nil {
		o.s.writeError(w, r, out.err)
		return out
	}
	content, cited, consulted := present(out.done, out.sources, out.text)
	writeJSON(w, r, http.StatusOK, openAICompletion{
		ID: c.id, Object: "chat.completion", Created: c.created, Model: c.model,
		Choices: []openAIChoice{{
			Message:      openAIOutMessage{Role: "assistant", Content: content},
			FinishReason: "stop",
		}},
		Usage:     usage(out.done),
		Citations: cited, Sources: consulted,
	})
	return out
}

// completion names one reply; its chunks share id, created and model.
type completion struct {
	id      string
	created int64
	model   string
}

func newCompletionID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return "chatcmpl-" + hex.EncodeToString(b)
}

// errAnswerBrokeOff stands for an answer that failed after its sources
// were sent, whose error the pipeline reported as an event.
var errAnswerBrokeOff = errors.New("the answer could not be completed")
