package server

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/civitas-eu/civitas/internal/answer"
)

// openAIChunk is one chat.completion.chunk event of a stream.
type openAIChunk struct {
	ID      string              `json:"id"`
	Object  string              `json:"object"` // "chat.completion.chunk"
	Created int64               `json:"created"`
	Model   string              `json:"model"`
	Choices []openAIChunkChoice `json:"choices"`
	Usage   *openAIUsage        `json:"usage,omitempty"` // only on the usage chunk
	// Citations and Sources are set on the chunk that finishes the
	// choice (see openai_cite.go).
	Citations *[]openAICitation `json:"citations,omitempty"`
	Sources   *[]openAICitation `json:"sources,omitempty"`
}

type openAIChunkChoice struct {
	Index        int         `json:"index"`
	Delta        openAIDelta `json:"delta"`
	FinishReason *string     `json:"finish_reason"` // null until the last chunk of the choice
	Logprobs     *struct{}   `json:"logprobs"`      // always null
}

type openAIDelta struct {
	Role    string  `json:"role,omitempty"`
	Content *string `json:"content,omitempty"`
}

// chunk returns a chunk of c with one choice holding delta.
func (c completion) chunk(delta openAIDelta, finish *string) openAIChunk {
	return openAIChunk{ID: c.id, Object: "chat.completion.chunk", Created: c.created, Model: c.model,
		Choices: []openAIChunkChoice{{Delta: delta, FinishReason: finish}}}
}

// writeData writes one event in OpenAI's framing: a "data:" line of JSON
// (on one line, so no newline in it can break the framing), no event name.
func writeData(w io.Writer, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		b = []byte(`{"error":{"message":"unencodable event","type":"server_error","param":null,"code":null}}`)
	}
	fmt.Fprintf(w, "data: %s\n\n", b)
}

// stream answers with chat.completion.chunk events: the role, the answer's
// text as it is generated, the list of sources, a chunk with
// finish_reason "stop" and the citations, the usage when asked for, and
// "data: [DONE]". Failures before the answer's first event are real HTTP
// errors; after it, an OpenAI error object is sent as the last event (with
// no [DONE], so a client cannot take the broken answer for a whole one).
func (o *openAI) stream(w http.ResponseWriter, r *http.Request, ar answer.Request, c completion, includeUsage bool) outcome {
	ctx := r.Context()
	events, result := o.s.startAnswer(ctx, ar)
	var out outcome
	first, ok := <-events
	if !ok { // failed before the sources: nothing is written yet
		out = <-result
		o.s.writeError(w, r, out.err)
		return out
	}
	sseHeaders(w)
	w.WriteHeader(http.StatusOK)
	// Keep-alive comments while the model is silent (keepalive.go).
	kept := o.s.keepAlive(w, sseKeepAlive)
	defer kept.end()
	w = kept
	flush := kept.Flush
	empty := ""
	writeData(w, c.chunk(openAIDelta{Role: "assistant", Content: &empty}, nil))
	flush()

	var text strings.Builder
	var images imageGuard // no images reach the client (openai_images.go)
	broken := ""
	handle := func(e answer.Event) {
		switch e.Type {
		case answer.EventSources:
			out.sources = e.Sources
		case answer.EventToken:
			text.WriteString(e.Token)
			if tok := images.write(e.Token); tok != "" {
				writeData(w, c.chunk(openAIDelta{Content: &tok}, nil))
				flush()
			}
		case answer.EventError:
			broken = e.Error
		}
	}
	handle(first)
	for e := range events {
		handle(e)
	}
	res := <-result
	out.done, out.err, out.text = res.done, res.err, text.String()

	if out.err != nil || broken != "" {
		if ctx.Err() != nil {
			return out // the client went away; nobody to tell
		}
		if broken == "" {
			broken = errAnswerBrokeOff.Error() + "."
		}
		// Logged here, once: the reply is already under way, so it cannot
		// go through writeError.
		o.s.log.Error("answer failed", "path", r.URL.Path, "err", out.err)
		writeData(w, map[string]openAIErrorDetail{"error": {Message: broken, Type: "server_error"}})
		flush()
		return out
	}
	cited, consulted := citationsOf(out.done, out.sources)
	if t := images.flush() + tail(out.done, cited, consulted); t != "" {
		writeData(w, c.chunk(openAIDelta{Content: &t}, nil))
	}
	stop := "stop"
	last := c.chunk(openAIDelta{}, &stop)
	last.Citations, last.Sources = &cited, &consulted
	writeData(w, last)
	if includeUsage {
		u := usage(out.done)
		writeData(w, openAIChunk{ID: c.id, Object: "chat.completion.chunk", Created: c.created, Model: c.model,
			Choices: []openAIChunkChoice{}, Usage: &u})
	}
	fmt.Fprint(w, "data: [DONE]\n\n")
	flush()
	return out
}
