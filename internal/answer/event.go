package answer

import (
	"encoding/json"
	"time"
)

// Event types, in the order a client receives them: one EventSources,
// then any number of EventToken, then one EventDone, or an EventError in
// place of the rest.
const (
	EventSources = "sources" // the passages the answer may cite, before generation starts
	EventToken   = "token"   // a piece of the answer text
	EventDone    = "done"    // the answer is complete: citations and provenance
	EventError   = "error"   // the answer broke off; Error says why, in words for the user
	// EventQueued says the question waits for the chat model, with Ahead
	// questions to be served before it; it may come before any event but
	// the first token, again each time Ahead changes.
	EventQueued = "queued"
)

// Done modes.
const (
	ModeAnswer     = "answer"      // the chat model answered from the sources
	ModeNotCovered = "not_covered" // nothing relevant was found; the reply says so, no model was called
	ModeSearch     = "search"      // the chat model is missing or unreachable: sources only, no text
)

// RetrievalWholeDocument is Done.RetrievalMode when the documents a
// request is scoped to were given to the model whole, without retrieval.
const RetrievalWholeDocument = "document"

// Turn is one earlier message of a conversation.
type Turn struct {
	Role    string `json:"role"` // "user" or "assistant"
	Content string `json:"content"`
}

// Event is one step of a streamed answer. Only the field that belongs to
// Type is set.
type Event struct {
	Type    string
	Sources []Source // EventSources
	Token   string   // EventToken
	Done    *Done    // EventDone
	Error   string   // EventError: safe to show to the user
	Ahead   int      // EventQueued
}

// MarshalJSON writes the type and the one field that belongs to it, so a
// sources event with no sources still carries "sources": [].
func (e Event) MarshalJSON() ([]byte, error) {
	m := map[string]any{"type": e.Type}
	switch e.Type {
	case EventSources:
		src := e.Sources
		if src == nil {
			src = []Source{}
		}
		m["sources"] = src
	case EventToken:
		m["token"] = e.Token
	case EventDone:
		m["done"] = e.Done
	case EventError:
		m["error"] = e.Error
	case EventQueued:
		// position is the place in line from 1, as the answer limits'
		// queued events say it (internal/server/limits.go).
		m["ahead"], m["position"] = e.Ahead, e.Ahead+1
	}
	return json.Marshal(m)
}

// Source is a passage given to the model, numbered as the model is told
// to cite it.
type Source struct {
	N               int      `json:"n"` // citation number, from 1
	ChunkID         int64    `json:"chunk_id"`
	DocumentID      int64    `json:"document_id"`
	DocumentVersion int      `json:"document_version"`
	Title           string   `json:"title"`
	SourceURI       string   `json:"source_uri"`
	MediaType       string   `json:"media_type"`
	PageStart       int      `json:"page_start,omitempty"` // 0: the format has no pages
	PageEnd         int      `json:"page_end,omitempty"`
	HeadingPath     []string `json:"heading_path,omitempty"`
	Snippet         string   `json:"snippet"` // the passage's start, at most about 300 characters
}

// Citation is a source the answer cites.
type Citation struct {
	N          int    `json:"n"`
	ChunkID    int64  `json:"chunk_id"`
	DocumentID int64  `json:"document_id"`
	PageStart  int    `json:"page_start,omitempty"`
	PageEnd    int    `json:"page_end,omitempty"`
	Title      string `json:"title"`
	Snippet    string `json:"snippet"`
}

// Done is the outcome of an answer: its text, what it cites, and the
// provenance an audit needs to trace it.
type Done struct {
	Answer    string     `json:"answer"`
	Citations []Citation `json:"citations"` // in order of first appearance, no duplicates
	Mode      string     `json:"mode"`      // ModeAnswer, ModeNotCovered or ModeSearch
	// RetrievalMode is the retriever's mode ("hybrid", "lexical",
	// "vector") or RetrievalWholeDocument.
	RetrievalMode string `json:"retrieval_mode"`
	ChatModel     string `json:"chat_model"`
	ChatDigest    string `json:"chat_digest"`
	EmbedModel    string `json:"embed_model"`
	PromptVersion string `json:"prompt_version"`
	// Reranker names the reranker that ordered the passages ("tei:model");
	// "" when none did (none configured, or it failed: the fused order).
	Reranker          string  `json:"reranker,omitempty"`
	RetrievedChunkIDs []int64 `json:"retrieved_chunk_ids"` // as retrieved (and reranked), best first, before packing
	CitedChunkIDs     []int64 `json:"cited_chunk_ids"`
	Timings           Timings `json:"timings"`
	PromptTokens      int     `json:"prompt_tokens"`
	GeneratedTokens   int     `json:"generated_tokens"`
	Language          string  `json:"language"` // of the question, and so of the answer
}

// Timings are measured from the moment Answer is called, but for Rerank
// and Queue, which are spans within it.
type Timings struct {
	Retrieval  time.Duration // retrieving (or loading) the passages
	Rerank     time.Duration // reranking them; 0 when no reranker ran
	Queue      time.Duration // waiting for the chat model behind other questions (internal/fairqueue)
	FirstToken time.Duration // until the first token was sent; 0 when none was
	Total      time.Duration // until Done
}

type timingsJSON struct {
	RetrievalMS  int64 `json:"retrieval_ms"`
	RerankMS     int64 `json:"rerank_ms"`
	QueueMS      int64 `json:"queue_ms"`
	FirstTokenMS int64 `json:"first_token_ms"`
	TotalMS      int64 `json:"total_ms"`
}

// MarshalJSON writes the timings in whole milliseconds.
func (t Timings) MarshalJSON() ([]byte, error) {
	return json.Marshal(timingsJSON{t.Retrieval.Milliseconds(), t.Rerank.Milliseconds(), t.Queue.Milliseconds(),
		t.FirstToken.Milliseconds(), t.Total.Milliseconds()})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (t *Timings) UnmarshalJSON(b []byte) error {
	var j timingsJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	ms := func(n int64) time.Duration { return time.Duration(n) * time.Millisecond }
	*t = Timings{Retrieval: ms(j.RetrievalMS), Rerank: ms(j.RerankMS), Queue: ms(j.QueueMS),
		FirstToken: ms(j.FirstTokenMS), Total: ms(j.TotalMS)}
	return nil
}
