package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/civitas-eu/civitas/internal/answer"
	"github.com/civitas-eu/civitas/internal/lang"
	"github.com/civitas-eu/civitas/internal/store"
)

// maxQuestion bounds a question: longer input is an attempt to stuff the
// prompt, not a question.
const maxQuestion = 4000

type chatRequest struct {
	Question       string   `json:"question"`
	ConversationID int64    `json:"conversation_id,omitempty"`
	Collections    []string `json:"collections,omitempty"`
	DocumentIDs    []int64  `json:"document_ids,omitempty"`
	Language       string   `json:"language,omitempty"`
	// UILanguage is the web chat's interface language: the answer's
	// language when the question is too short to tell its own.
	UILanguage string `json:"ui_language,omitempty"`
}

func decodeChat(r *http.Request) (chatRequest, error) {
	var req chatRequest
	if err := decodeJSON(r, 64<<10, &req, `with a "question"`); err != nil {
		return req, err
	}
	req.Question = strings.TrimSpace(req.Question)
	// The language goes into the system prompt and the audit record: only
	// the codes the assistant knows, never free text; the interface
	// language is a hint that reaches the system prompt too.
	req.Language = strings.ToLower(strings.TrimSpace(req.Language))
	req.UILanguage = strings.ToLower(strings.TrimSpace(req.UILanguage))
	switch {
	case req.Language != "" && !slices.Contains(lang.Supported(), req.Language):
		return req, errorf(CodeInvalid, "\"language\" must be one of "+strings.Join(lang.Supported(), ", ")+", or empty to detect it from the question")
	case req.UILanguage != "" && !slices.Contains(lang.Supported(), req.UILanguage):
		return req, errorf(CodeInvalid, "\"ui_language\" must be one of "+strings.Join(lang.Supported(), ", ")+", or empty")
	case req.Question == "":
		return req, errorf(CodeInvalid, "\"question\" must not be empty")
	case !utf8.ValidString(req.Question):
		return req, errorf(CodeInvalid, "\"question\" must be valid UTF-8")
	case utf8.RuneCountInString(req.Question) > maxQuestion:
		return req, errorf(CodeInvalid, fmt.Sprintf("\"question\" is longer than %d characters", maxQuestion))
	case len(req.DocumentIDs) > 20:
		return req, errorf(CodeInvalid, "\"document_ids\" names more than 20 documents")
	}
	return req, nil
}

// chat answers a question as a stream of Server-Sent Events: "queued"
// (while the question waits for a free answer slot or, later, for its
// turn at the chat model, with its position and the questions ahead),
// "sources" (the passages, before generation starts), "token" (pieces of
// the answer), then "done" (citations, provenance and timings) or "error".
// Validation failures and refusals by a limit (429) are real HTTP errors;
// once the stream has started, failures are "error" events.
func (s *Server) chat(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	u := user(r)
	req, err := decodeChat(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ticket, err := s.gate.enter(u.Name)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	defer ticket.release()
	// A queued question starts its new conversation only once its answer
	// may start, so that one refused after waiting leaves none behind (the
	// done event names it). An existing one is checked at once (404).
	var conv store.Conversation
	var history []answer.Turn
	if req.ConversationID != 0 || ticket.position() == 0 {
		if conv, history, err = s.conversationFor(ctx, req, u.Name); err != nil {
			s.writeError(w, r, err)
			return
		}
	}

	flusher, ok := w.(http.Flusher)
	if !ok {
		s.writeError(w, r, fmt.Errorf("response writer cannot stream"))
		return
	}
	sseHeaders(w)
	if conv.ID != 0 {
		w.Header().Set("X-Conversation-ID", fmt.Sprint(conv.ID))
	}
	w.WriteHeader(http.StatusOK)
	flusher.Flush()
	// From here on keep-alive comments flow while the question waits or
	// the model is silent (keepalive.go).
	kept := s.keepAlive(w, sseKeepAlive)
	defer kept.end()
	w, flusher = kept, kept
	if !s.waitInStream(ctx, w, flusher, ticket) {
		return
	}
	if conv.ID == 0 {
		if conv, history, err = s.conversationFor(ctx, req, u.Name); err != nil {
			s.log.Error("could not start a conversation", "err", err)
			writeSSE(w, answer.EventError, map[string]string{"type": answer.EventError, "error": "the answer could not be completed"})
			flusher.Flush()
			return
		}
	}

	events, result := s.startAnswer(ctx, answer.Request{
		Question: req.Question, History: history, Language: req.Language, UILanguage: req.UILanguage,
		Collections: req.Collections, DocumentIDs: req.DocumentIDs, Groups: u.Groups, User: u.Name,
	})
	var sources []answer.Source
	var text strings.Builder
	recorded := false
	for e := range events {
		switch e.Type {
		case answer.EventSources:
			sources = e.Sources
		case answer.EventToken:
			text.WriteString(e.Token)
		case answer.EventDone:
			// The answer is recorded before done is sent, so the client
			// learns its id (for feedback) and where it was filed.
			var answerID int64
			if e.Done != nil {
				answerID = s.record(ctx, conv.ID, u.Name, req.Question, sources, text.String(), *e.Done, nil)
				recorded = true
			}
			writeSSE(w, answer.EventDone, doneFrame{Type: e.Type, Done: e.Done, ConversationID: conv.ID, AnswerID: answerID})
			flusher.Flush()
			continue
		}
		writeSSE(w, e.Type, e)
		flusher.Flush()
	}
	out := <-result
	if out.err != nil && ctx.Err() == nil {
		s.log.Error("answer failed", "conversation", conv.ID, "err", out.err)
		if out.done.Mode == "" { // the pipeline did not send its own error event
			writeSSE(w, answer.EventError, map[string]string{"type": answer.EventError, "error": "the answer could not be completed"})
			flusher.Flush()
		}
	}
	if !recorded {
		s.record(ctx, conv.ID, u.Name, req.Question, sources, text.String(), out.done, out.err)
	}
}

// startAnswer runs the answer pipeline in a goroutine of its own, so that
// the calling handler alone writes the reply: the events come on the
// first channel, closed when the answer returns, then its Done and error
// (sources and text unset) on the second. An event not taken before ctx
// ends stops the answer.
func (s *Server) startAnswer(ctx context.Context, req answer.Request) (<-chan answer.Event, <-chan outcome) {
	events := make(chan answer.Event, 16)
	result := make(chan outcome, 1)
	go func() {
		defer close(events)
		d, err := s.answerer.Answer(ctx, req, func(e answer.Event) error {
			select {
			case events <- e:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
		result <- outcome{done: d, err: err}
	}()
	return events, result
}

// waitInStream waits for the ticket's answer slot, telling the client its
// place in the queue as "queued" events. It reports whether the answer may
// start; if not, the client was sent an "error" event saying when to ask
// again (or went away).
func (s *Server) waitInStream(ctx context.Context, w http.ResponseWriter, flusher http.Flusher, t *ticket) bool {
	queued := func(position int) {
		// ahead as the generation queue's events say it (answer.EventQueued).
		writeSSE(w, eventQueued, map[string]any{"type": eventQueued, "position": position, "ahead": position - 1})
		flusher.Flush()
	}
	p := t.position()
	if p == 0 {
		return true
	}
	queued(p)
	err := t.wait(ctx, queued)
	var le *limitError
	if errors.As(err, &le) {
		writeSSE(w, answer.EventError, map[string]any{"type": answer.EventError, "error": le.err.Message,
			"retry_after": int(math.Ceil(le.RetryAfter().Seconds()))})
		flusher.Flush()
	}
	return err == nil
}

// eventQueued is the event of a question waiting for an answer slot; the
// answer pipeline sends the same while it waits for the chat model.
const eventQueued = answer.EventQueued

// sseHeaders sets the headers of an event stream; the caller adds its own
// and writes the status.
func sseHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
}

// doneFrame is the done event with the conversation the answer was filed
// in, so the client can continue it, and the answer's id, so the user can
// rate it. AnswerID is 0 when the answer could not be recorded.
type doneFrame struct {
	Type           string       `json:"type"`
	Done           *answer.Done `json:"done"`
	ConversationID int64        `json:"conversation_id"`
	AnswerID       int64        `json:"answer_id"`
}

// writeSSE writes one event frame. Data is JSON on a single line, so no
// newline inside it can break the framing.
func writeSSE(w io.Writer, event string, data any) {
	b, err := json.Marshal(data)
	if err != nil {
		b = []byte(`{"error":"unencodable event"}`)
	}
	fmt.Fprintf(w, "event: %s\ndata: %s\n\n", event, b)
}

// conversationFor continues the caller's conversation (its earlier turns
// become the history) or starts a new one titled by the question.
func (s *Server) conversationFor(ctx context.Context, req chatRequest, userName string) (store.Conversation, []answer.Turn, error) {
	if req.ConversationID == 0 {
		title := req.Question
		if utf8.RuneCountInString(title) > 80 {
			title = string([]rune(title)[:80]) + "…"
		}
		c, err := s.store.CreateConversation(ctx, userName, title)
		return c, nil, err
	}
	c, err := s.store.Conversation(ctx, req.ConversationID, userName)
	if err != nil {
		return c, nil, err
	}
	prev, err := s.store.Answers(ctx, c.ID)
	if err != nil {
		return c, nil, err
	}
	var history []answer.Turn
	for _, a := range prev[max(0, len(prev)-6):] { // the last turns are what a follow-up refers to
		history = append(history, answer.Turn{Role: "user", Content: a.Question}, answer.Turn{Role: "assistant", Content: a.Answer})
	}
	return c, history, nil
}

// record stores the answer for the user's history and for audit, even
// when the client went away mid-stream, and updates the metrics. It
// returns the answer's id, or 0 when it could not be stored (logged).
func (s *Server) record(ctx context.Context, convID int64, userName, question string, sources []answer.Source, text string, d answer.Done, answerErr error) int64 {
	mode := d.Mode
	errText := ""
	switch {
	case answerErr != nil:
		mode, errText = "error", answerErr.Error()
	case mode == "":
		mode = "error"
	}
	if d.Answer == "" {
		d.Answer = text
	}
	srcJSON, _ := json.Marshal(sources)
	citJSON, _ := json.Marshal(d.Citations)
	rec := store.Answer{
		ConversationID: convID, User: userName, Question: question, Answer: d.Answer, Mode: mode,
		Language: d.Language, RetrievalMode: d.RetrievalMode, Sources: srcJSON, Citations: citJSON,
		RetrievedChunkIDs: d.RetrievedChunkIDs, CitedChunkIDs: d.CitedChunkIDs,
		ChatModel: d.ChatModel, ChatDigest: d.ChatDigest, EmbedModel: d.EmbedModel, PromptVersion: d.PromptVersion,
		RetrievalMS: int(d.Timings.Retrieval.Milliseconds()), FirstTokenMS: int(d.Timings.FirstToken.Milliseconds()),
		TotalMS: int(d.Timings.Total.Milliseconds()), PromptTokens: d.PromptTokens, GeneratedTokens: d.GeneratedTokens,
		Error: errText, Reranker: d.Reranker, RerankMS: int(d.Timings.Rerank.Milliseconds()), QueueMS: int(d.Timings.Queue.Milliseconds()),
	}
	// The record is the audit trail's evidence of the answer: it is
	// written even when the client has gone, given time under load (every
	// answer appends to the one audit chain), and retried once.
	var stored store.Answer
	var err error
	for attempt := range 2 {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		stored, err = s.store.RecordAnswer(rctx, rec)
		cancel()
		if err == nil {
			break
		}
		s.log.Warn("could not record answer", "conversation", convID, "attempt", attempt+1, "err", err)
	}
	if err != nil {
		s.log.Error("answer not recorded", "conversation", convID, "err", err)
		stored.ID = 0 // the insert was rolled back
	}
	s.metrics.answer(mode, d.GeneratedTokens, d.PromptTokens, d.Timings.Retrieval, d.Timings.FirstToken, d.Timings.Total)
	return stored.ID
}
