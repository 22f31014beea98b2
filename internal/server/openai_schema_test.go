package server_test

import (
	"bufio"
	"encoding/json"
	"io"
	"math"
	"slices"
	"strings"
	"testing"
)

// A small checker of OpenAI's chat completions wire format: the fields
// its schema requires, with their types and allowed values. It reads the
// JSON generically, so a field our Go types would hide (a missing one, a
// wrong type) fails here.

var finishReasons = []string{"stop", "length", "tool_calls", "content_filter", "function_call"}

type obj = map[string]any

func field[T any](t *testing.T, where string, o obj, name string) T {
	t.Helper()
	v, ok := o[name]
	if !ok {
		t.Fatalf("%s: required field %q missing in %v", where, name, o)
	}
	x, ok := v.(T)
	if !ok {
		t.Fatalf("%s: field %q is %T (%v), wrong type", where, name, v, v)
	}
	return x
}

func integer(t *testing.T, where string, o obj, name string) int64 {
	t.Helper()
	f := field[float64](t, where, o, name)
	if f != math.Trunc(f) || f < 0 {
		t.Fatalf("%s: %q = %v, want a non-negative integer", where, name, f)
	}
	return int64(f)
}

func checkHeader(t *testing.T, where string, o obj, object string) {
	t.Helper()
	if got := field[string](t, where, o, "object"); got != object {
		t.Fatalf("%s: object %q, want %q", where, got, object)
	}
	if id := field[string](t, where, o, "id"); !strings.HasPrefix(id, "chatcmpl-") || len(id) < len("chatcmpl-")+8 {
		t.Fatalf("%s: id %q, want chatcmpl-…", where, id)
	}
	if integer(t, where, o, "created") == 0 {
		t.Fatalf("%s: created is 0", where)
	}
	if field[string](t, where, o, "model") == "" {
		t.Fatalf("%s: empty model", where)
	}
}

func checkUsage(t *testing.T, where string, u obj) {
	t.Helper()
	p, c, tot := integer(t, where, u, "prompt_tokens"), integer(t, where, u, "completion_tokens"), integer(t, where, u, "total_tokens")
	if tot != p+c {
		t.Fatalf("%s: total_tokens %d != %d + %d", where, tot, p, c)
	}
}

func checkFinish(t *testing.T, where string, ch obj, nullable bool) *string {
	t.Helper()
	v, ok := ch["finish_reason"]
	if !ok {
		t.Fatalf("%s: finish_reason missing", where)
	}
	if v == nil && nullable {
		return nil
	}
	s, _ := v.(string)
	if !slices.Contains(finishReasons, s) {
		t.Fatalf("%s: finish_reason %v not in %v", where, v, finishReasons)
	}
	return &s
}

// checkCompletion validates a chat.completion object and returns it with
// its first choice's message text.
func checkCompletion(t *testing.T, raw []byte) (obj, string) {
	t.Helper()
	var o obj
	if err := json.Unmarshal(raw, &o); err != nil {
		t.Fatalf("completion is not a JSON object: %v\n%s", err, raw)
	}
	checkHeader(t, "completion", o, "chat.completion")
	choices := field[[]any](t, "completion", o, "choices")
	if len(choices) == 0 {
		t.Fatal("completion: no choices")
	}
	var content string
	for i, c := range choices {
		ch, ok := c.(obj)
		if !ok {
			t.Fatalf("choice %d is %T", i, c)
		}
		if integer(t, "choice", ch, "index") != int64(i) {
			t.Fatalf("choice %d has index %v", i, ch["index"])
		}
		msg := field[obj](t, "choice", ch, "message")
		if field[string](t, "message", msg, "role") != "assistant" {
			t.Fatalf("message role %v", msg["role"])
		}
		text := field[string](t, "message", msg, "content")
		if i == 0 {
			content = text
		}
		checkFinish(t, "choice", ch, false)
	}
	checkUsage(t, "usage", field[obj](t, "completion", o, "usage"))
	return o, content
}

// streamResult is a validated stream: its chunks, the text of the
// content deltas, the chunk that finished the choice and the usage chunk.
type streamResult struct {
	chunks  []obj
	content string
	final   obj
	usage   obj
	done    bool // ended with data: [DONE]
	errObj  obj  // an error event, when the stream broke off
}

// readChunks reads an OpenAI event stream strictly: every event is one
// "data:" line and a blank line, between which only keep-alive comments
// may come; every payload but [DONE] is a JSON
// object; [DONE] is last. Chunks are checked against the schema: one id
// throughout, the role first, one finish_reason, usage after it.
func readChunks(t *testing.T, r io.Reader) streamResult {
	t.Helper()
	var res streamResult
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var data []string
	var pending *string
	comment := false
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "data: ") && pending == nil && !comment:
			d := strings.TrimPrefix(line, "data: ")
			pending = &d
		case line == "" && pending != nil:
			data = append(data, *pending)
			pending = nil
		// The server's keep-alive (": keep-alive" and a blank line) when
		// no token came for --stream-keepalive: an SSE comment, which
		// OpenAI's clients skip. A loaded machine sends one mid-answer.
		case line == ": keep-alive" && pending == nil && !comment:
			comment = true
		case line == "" && comment:
			comment = false
		default:
			t.Fatalf("unexpected stream line %q after %d events", line, len(data))
		}
	}
	if pending != nil {
		t.Fatal("stream ended inside an event")
	}
	var id string
	for i, d := range data {
		if d == "[DONE]" {
			if i != len(data)-1 {
				t.Fatalf("[DONE] is event %d of %d", i, len(data))
			}
			res.done = true
			break
		}
		if res.errObj != nil {
			t.Fatalf("event after an error event: %s", d)
		}
		var o obj
		if err := json.Unmarshal([]byte(d), &o); err != nil {
			t.Fatalf("event %d is not a JSON object: %v\n%s", i, err, d)
		}
		if e, ok := o["error"].(obj); ok {
			field[string](t, "stream error", e, "message")
			field[string](t, "stream error", e, "type")
			res.errObj = e
			continue
		}
		checkHeader(t, "chunk", o, "chat.completion.chunk")
		if id == "" {
			id = o["id"].(string)
		} else if o["id"] != id {
			t.Fatalf("chunk id %v, want %s as in the first", o["id"], id)
		}
		res.chunks = append(res.chunks, o)
		choices := field[[]any](t, "chunk", o, "choices")
		if u, ok := o["usage"]; ok && u != nil {
			if len(choices) != 0 || res.final == nil {
				t.Fatalf("usage chunk %s: want no choices, after the finish", d)
			}
			checkUsage(t, "usage chunk", u.(obj))
			res.usage = u.(obj)
			continue
		}
		if len(choices) != 1 {
			t.Fatalf("chunk %s: %d choices, want 1", d, len(choices))
		}
		if res.final != nil {
			t.Fatalf("chunk after the finishing one: %s", d)
		}
		ch := choices[0].(obj)
		integer(t, "chunk choice", ch, "index")
		delta := field[obj](t, "chunk choice", ch, "delta")
		if role, ok := delta["role"]; ok && role != "assistant" {
			t.Fatalf("delta role %v", role)
		}
		if len(res.chunks) == 1 && delta["role"] != "assistant" {
			t.Fatalf("first chunk has no role: %s", d)
		}
		if c, ok := delta["content"]; ok && c != nil {
			s, ok := c.(string)
			if !ok {
				t.Fatalf("delta content is %T", c)
			}
			res.content += s
		}
		if checkFinish(t, "chunk choice", ch, true) != nil {
			res.final = o
		}
	}
	if res.errObj == nil && (res.final == nil || !res.done) {
		t.Fatalf("stream without a finishing chunk or [DONE]: %v", data)
	}
	return res
}
