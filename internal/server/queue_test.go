package server_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/civitas-eu/civitas/internal/answer"
	"github.com/civitas-eu/civitas/internal/fairqueue"
	"github.com/civitas-eu/civitas/internal/ollama"
	"github.com/civitas-eu/civitas/internal/retrieve"
	"github.com/civitas-eu/civitas/prompts"
)

// oneFeeRetriever finds the same passage for every question.
type oneFeeRetriever struct{}

func (oneFeeRetriever) Retrieve(context.Context, retrieve.Query) (retrieve.Result, error) {
	return retrieve.Result{Mode: retrieve.ModeHybrid, Passages: []retrieve.Passage{{
		ChunkID: 1, DocumentID: 1, DocumentVersion: 1, Title: "Gebühren", SourceURI: "/docs/gebuehren.pdf",
		Text: "Der Ausweis kostet 30 Euro.", Score: 1, LexicalRank: 1,
	}}}, nil
}

// instantModel answers at once.
type instantModel struct{}

func (instantModel) ChatStream(_ context.Context, _ string, _ []ollama.Message, _ ollama.ChatOptions, onToken func(string) error) (ollama.ChatStats, error) {
	if err := onToken("30 Euro [1]."); err != nil {
		return ollama.ChatStats{}, err
	}
	return ollama.ChatStats{PromptTokens: 5, GeneratedTokens: 3}, nil
}

func (instantModel) Show(_ context.Context, model string) (ollama.ModelInfo, error) {
	return ollama.ModelInfo{Name: model, Digest: "sha256:instant", ContextLength: 4096}, nil
}

// TestGenerationQueueHoldsChatAndOpenAI keeps the chat backend's one slot
// busy: a web chat question is told "queued" with no question ahead after
// its sources, an OpenAI request is held without an error, /metrics shows
// both waiting, and once the slot frees both are answered and the wait is
// in the record's timings.
func TestGenerationQueueHoldsChatAndOpenAI(t *testing.T) {
	q := fairqueue.New(fairqueue.Config{Name: "chat", Parallel: 1})
	set, err := prompts.Load("")
	if err != nil {
		t.Fatal(err)
	}
	svc, err := answer.New(answer.Config{ChatModel: "chat-test"}, oneFeeRetriever{}, fairqueue.Wrap(instantModel{}, q), nil, set, nil)
	if err != nil {
		t.Fatal(err)
	}
	b := setup(t, setupOpts{answerer: svc, collectors: q.Collectors()})
	busy, err := q.Acquire(fairqueue.WithWaiter(context.Background(), fairqueue.Waiter{User: "someone.else"}))
	if err != nil {
		t.Fatal(err)
	}
	defer busy()

	resp, r := streamRequest(t, b.url+"/api/chat", "alice")
	defer resp.Body.Close()
	if e := nextEvent(t, r); e.Event != "sources" {
		t.Fatalf("first event %s %s, want sources", e.Event, e.Data)
	}
	e := nextEvent(t, r)
	qd := decode[struct {
		Type            string
		Ahead, Position int
	}](t, e)
	if e.Event != "queued" || qd.Ahead != 0 || qd.Position != 1 {
		t.Fatalf("event %s %s, want queued with 0 ahead at position 1", e.Event, e.Data)
	}

	held := make(chan int, 1)
	go func() {
		resp, _ := b.postOpenAI(t, "bob", nil, openAIBody())
		held <- resp.StatusCode
	}()
	deadline := time.Now().Add(10 * time.Second)
	for q.Waiting() != 2 {
		if time.Now().After(deadline) {
			t.Fatalf("%d waiting, want the chat and the OpenAI question", q.Waiting())
		}
		time.Sleep(time.Millisecond)
	}
	metrics := get(t, b.metricsURL+"/metrics")
	if !strings.Contains(metrics, `civitas_generation_queue_length{backend="chat"} 2`) {
		t.Errorf("/metrics lacks the queue length 2:\n%s", grepLines(metrics, "civitas_generation"))
	}
	select {
	case code := <-held:
		t.Fatalf("the OpenAI request was answered %d while its question waited", code)
	default:
	}

	busy()
	rest := readSSE(t, r)
	if got := kinds(rest); len(got) == 0 || got[len(got)-1] != "done" {
		t.Fatalf("after waiting: %v, want the answer", got)
	}
	d := decode[doneData](t, rest[len(rest)-1])
	if d.Done.Mode != answer.ModeAnswer || d.Done.Timings.Queue <= 0 {
		t.Errorf("done %s: want an answer that waited", rest[len(rest)-1].Data)
	}
	if code := <-held; code != http.StatusOK {
		t.Errorf("the held OpenAI request ended %d, want 200", code)
	}
	metrics = get(t, b.metricsURL+"/metrics")
	if !strings.Contains(metrics, `civitas_generation_queue_wait_seconds_count{backend="chat"} 3`) {
		t.Errorf("/metrics lacks three observed waits:\n%s", grepLines(metrics, "civitas_generation"))
	}
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
