package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/civitas-eu/civitas/internal/answer"
	"github.com/civitas-eu/civitas/internal/dbtest"
	"github.com/civitas-eu/civitas/internal/server"
)

// blockingAnswerer holds every answer until released, then answers as
// citingAnswer; started receives the user of each answer that began.
type blockingAnswerer struct {
	started chan string
	release chan struct{}
	once    sync.Once
}

func newBlocking(t *testing.T) *blockingAnswerer {
	b := &blockingAnswerer{started: make(chan string, 16), release: make(chan struct{})}
	t.Cleanup(b.open)
	return b
}

func (b *blockingAnswerer) open() { b.once.Do(func() { close(b.release) }) }

func (b *blockingAnswerer) Answer(ctx context.Context, req answer.Request, emit func(answer.Event) error) (answer.Done, error) {
	b.started <- req.User
	select {
	case <-b.release:
	case <-ctx.Done():
		return answer.Done{}, ctx.Err()
	}
	return citingAnswer(ctx, req, emit)
}

// waitStarted waits for the answer of user to begin.
func (b *blockingAnswerer) waitStarted(t *testing.T, user string) {
	t.Helper()
	select {
	case u := <-b.started:
		if u != user {
			t.Fatalf("answer for %s began, want %s", u, user)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("the answer for %s did not begin", user)
	}
}

// askAsync asks in the background; the reply's status and events come on
// the channel.
func (b bundle) askAsync(t *testing.T, user string) <-chan []sseEvent {
	t.Helper()
	out := make(chan []sseEvent, 1)
	go func() {
		resp, body := streamRequest(t, b.url+"/api/chat", user)
		defer resp.Body.Close()
		out <- readSSE(t, body)
	}()
	return out
}

// streamRequest posts a question and returns the reply unread.
func streamRequest(t *testing.T, url, user string) (*http.Response, *bufio.Reader) {
	req, err := http.NewRequest("POST", url, strings.NewReader(`{"question":"Was kostet der Ausweis?"}`))
	if err != nil {
		t.Error(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-User", user)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Errorf("POST %s: %v", url, err)
		return &http.Response{Body: http.NoBody}, bufio.NewReader(strings.NewReader(""))
	}
	return resp, bufio.NewReader(resp.Body)
}

// nextEvent reads one SSE frame.
func nextEvent(t *testing.T, r *bufio.Reader) sseEvent {
	t.Helper()
	var frame strings.Builder
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("stream ended inside or before an event: %v (%q)", err, frame.String())
		}
		frame.WriteString(line)
		if line == "\n" {
			return readSSE(t, strings.NewReader(frame.String()))[0]
		}
	}
}

// checkRefused checks a 429 with a Retry-After of whole seconds, and the
// error in the route's shape: OpenAI's under /v1.
func checkRefused(t *testing.T, what string, resp *http.Response, body []byte, openAI bool) {
	t.Helper()
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("%s: %d %s, want 429", what, resp.StatusCode, body)
	}
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || s < 1 {
		t.Errorf("%s: Retry-After %q, want whole seconds", what, resp.Header.Get("Retry-After"))
	}
	var e struct {
		Error struct {
			Code    string `json:"code"`
			Type    string `json:"type"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(body, &e); err != nil || e.Error.Message == "" {
		t.Fatalf("%s: body %s", what, body)
	}
	want := server.CodeRateLimited
	if openAI {
		want = "rate_limit_exceeded"
		if e.Error.Type != "requests" {
			t.Errorf("%s: OpenAI error type %q", what, e.Error.Type)
		}
	}
	if e.Error.Code != want {
		t.Errorf("%s: error code %q, want %q", what, e.Error.Code, want)
	}
}

func openAIBody() map[string]any {
	return map[string]any{"model": "civitas", "messages": []map[string]string{{"role": "user", "content": "Was kostet der Ausweis?"}}}
}

// A user asking faster than --rate-limit gets 429 with Retry-After, on
// both doors to the answers together; other users are not held up.
func TestRateLimit429RetryAfter(t *testing.T) {
	b := setup(t, setupOpts{answerer: &scriptedAnswerer{AnswerFunc: citingAnswer}, limits: server.Limits{RatePerMinute: 2}})
	for i := range 2 {
		if resp, _ := b.ask(t, "hasty", nil, map[string]any{"question": "Was kostet der Ausweis?"}); resp.StatusCode != http.StatusOK {
			t.Fatalf("question %d within the limit: %d", i+1, resp.StatusCode)
		}
	}
	resp, body := request(t, "POST", b.url+"/api/chat", "hasty", nil, map[string]any{"question": "Und ermäßigt?"}, nil)
	checkRefused(t, "third question in a minute", resp, body, false)
	if s, _ := strconv.Atoi(resp.Header.Get("Retry-After")); s > 31 {
		t.Errorf("Retry-After %d, want the time to the next question (30s at 2 a minute)", s)
	}
	resp, body = b.postOpenAI(t, "hasty", nil, openAIBody())
	checkRefused(t, "OpenAI question over the limit", resp, body, true)

	if resp, _ := b.ask(t, "patient", nil, map[string]any{"question": "Was kostet der Ausweis?"}); resp.StatusCode != http.StatusOK {
		t.Errorf("another user: %d", resp.StatusCode)
	}
}

// One user may have --max-answers-per-user answers under way; all users
// together --max-answers, beyond which (with no queue wait) questions are
// refused at once. Refusals are 429 with Retry-After, in OpenAI's shape
// under /v1, and nothing is recorded for them.
func TestConcurrentAnswersCapped(t *testing.T) {
	t.Run("per user", func(t *testing.T) {
		ans := newBlocking(t)
		b := setup(t, setupOpts{answerer: ans, limits: server.Limits{MaxAnswersPerUser: 1}})
		busy := dbtest.UniqueName("busy-") // the database keeps earlier runs' conversations
		first := b.askAsync(t, busy)
		ans.waitStarted(t, busy)
		resp, body := request(t, "POST", b.url+"/api/chat", busy, nil, map[string]any{"question": "Noch eine Frage?"}, nil)
		checkRefused(t, "a second answer of the same user", resp, body, false)
		resp, body = b.postOpenAI(t, busy, nil, openAIBody())
		checkRefused(t, "a second answer over the OpenAI API", resp, body, true)

		other := b.askAsync(t, "other.user") // not limited by busy.user's answer
		ans.waitStarted(t, "other.user")
		ans.open()
		for _, c := range []<-chan []sseEvent{first, other} {
			if got := kinds(<-c); got[len(got)-1] != "done" {
				t.Errorf("events %v, want an answer", got)
			}
		}
		// The refused questions left no conversation behind.
		_, list := request(t, "GET", b.url+"/api/conversations", busy, nil, nil, nil)
		if n := strings.Count(string(list), `"id"`); n != 1 {
			t.Errorf("%s has %d conversations, want the one answered: %s", busy, n, list)
		}
	})
	t.Run("in total", func(t *testing.T) {
		ans := newBlocking(t)
		b := setup(t, setupOpts{answerer: ans, limits: server.Limits{MaxAnswers: 1}})
		first := b.askAsync(t, "first.user")
		ans.waitStarted(t, "first.user")
		resp, body := request(t, "POST", b.url+"/api/chat", "second.user", nil, map[string]any{"question": "Noch eine Frage?"}, nil)
		checkRefused(t, "an answer beyond the total", resp, body, false)
		resp, body = b.postOpenAI(t, "second.user", nil, openAIBody())
		checkRefused(t, "an OpenAI answer beyond the total", resp, body, true)
		ans.open()
		<-first
		// The slot is free again.
		if resp, _ := b.ask(t, "second.user", nil, map[string]any{"question": "Jetzt?"}); resp.StatusCode != http.StatusOK {
			t.Errorf("after the first answer: %d", resp.StatusCode)
		}
	})
}

// A question waiting for a free answer slot is told so, with its place in
// line, before its answer starts; a wait that runs out ends the stream
// with an error saying when to ask again (OpenAI: 429 with Retry-After).
func TestQueuedEventSent(t *testing.T) {
	t.Run("served after waiting", func(t *testing.T) {
		ans := newBlocking(t)
		b := setup(t, setupOpts{answerer: ans, limits: server.Limits{MaxAnswers: 1, QueueWait: time.Minute}})
		first := b.askAsync(t, "first.user")
		ans.waitStarted(t, "first.user")
		resp, r := streamRequest(t, b.url+"/api/chat", "waiting.user")
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("queued question: %d", resp.StatusCode)
		}
		e := nextEvent(t, r)
		q := decode[struct {
			Type     string `json:"type"`
			Position int    `json:"position"`
		}](t, e)
		if e.Event != "queued" || q.Type != "queued" || q.Position != 1 {
			t.Fatalf("first event %s %s, want queued at position 1", e.Event, e.Data)
		}
		ans.open()
		ans.waitStarted(t, "waiting.user")
		rest := readSSE(t, r)
		if got := kinds(rest); len(got) == 0 || got[0] != "sources" || got[len(got)-1] != "done" {
			t.Fatalf("after queued: %v, want the answer", got)
		}
		if d := decode[doneData](t, rest[len(rest)-1]); d.ConversationID == 0 || d.AnswerID == 0 {
			t.Errorf("done after waiting: conversation %d, answer %d, want both filed", d.ConversationID, d.AnswerID)
		}
		<-first
	})
	t.Run("wait runs out", func(t *testing.T) {
		ans := newBlocking(t)
		b := setup(t, setupOpts{answerer: ans, limits: server.Limits{MaxAnswers: 1, QueueWait: 300 * time.Millisecond}})
		first := b.askAsync(t, "first.user")
		ans.waitStarted(t, "first.user")
		late := dbtest.UniqueName("late-")
		_, events := b.ask(t, late, nil, map[string]any{"question": "Noch eine Frage?"})
		if got := kinds(events); len(got) != 2 || got[0] != "queued" || got[1] != "error" {
			t.Fatalf("events %v, want queued then error", got)
		}
		e := decode[struct {
			Error      string `json:"error"`
			RetryAfter int    `json:"retry_after"`
		}](t, events[1])
		if e.RetryAfter < 1 || e.Error == "" {
			t.Errorf("error event %s, want a message and retry_after", events[1].Data)
		}
		resp, body := b.postOpenAI(t, late, nil, openAIBody())
		checkRefused(t, "an OpenAI question whose wait ran out", resp, body, true)
		// The refused question left no conversation behind.
		if _, list := request(t, "GET", b.url+"/api/conversations", late, nil, nil, nil); strings.Contains(string(list), `"id"`) {
			t.Errorf("a question refused after waiting left a conversation: %s", list)
		}
		ans.open()
		<-first
	})
}

// A streamed answer may take far longer than the write timeout, which
// bounds each write only; a body that does not arrive within the read
// timeout is given up.
func TestStreamOutlivesWriteTimeout(t *testing.T) {
	slow := &scriptedAnswerer{AnswerFunc: func(ctx context.Context, req answer.Request, emit func(answer.Event) error) (answer.Done, error) {
		if err := emit(answer.Event{Type: answer.EventSources, Sources: scriptedSources}); err != nil {
			return answer.Done{}, err
		}
		for range 6 {
			select {
			case <-time.After(150 * time.Millisecond):
			case <-ctx.Done():
				return answer.Done{}, ctx.Err()
			}
			if err := emit(answer.Event{Type: answer.EventToken, Token: "x"}); err != nil {
				return answer.Done{}, err
			}
		}
		d := answer.Done{Answer: "xxxxxx", Mode: answer.ModeAnswer, Language: "de"}
		return d, emit(answer.Event{Type: answer.EventDone, Done: &d})
	}}
	b := setup(t, setupOpts{answerer: slow, limits: server.Limits{WriteTimeout: 300 * time.Millisecond}, readTimeout: 300 * time.Millisecond})
	start := time.Now()
	_, events := b.ask(t, "slow.reader", nil, map[string]any{"question": "Was kostet der Ausweis?"})
	if got := kinds(events); len(got) == 0 || got[len(got)-1] != "done" || time.Since(start) < 900*time.Millisecond {
		t.Errorf("events %v after %v, want the whole answer, streamed longer than the write timeout", got, time.Since(start))
	}

	// A body that stops half-way: the server gives up on it.
	pr, pw := io.Pipe()
	defer pw.Close()
	go func() { _, _ = pw.Write([]byte(`{"question":`)) }()
	req, _ := http.NewRequest("POST", b.url+"/api/chat", pr)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-User", "slow.writer")
	req.ContentLength = 100
	done := make(chan int, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			done <- 0
			return
		}
		resp.Body.Close()
		done <- resp.StatusCode
	}()
	select {
	case code := <-done:
		if code == http.StatusOK {
			t.Errorf("a stalled body was answered %d", code)
		}
	case <-time.After(20 * time.Second):
		t.Error("the server still waits for a stalled body")
	}
}
