package answer_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/civitas-eu/civitas/internal/answer"
	"github.com/civitas-eu/civitas/internal/fairqueue"
	"github.com/civitas-eu/civitas/internal/ollama"
)

// generation is how long the scripted generator takes per answer: the
// shape of a real one (a CPU server answers one question at a time, in
// seconds), scaled down. The tiny real models answer too fast and too
// unevenly for a fairness test to tell anything from their timing; the
// order of service is what is tested, and it does not depend on this.
const generation = 40 * time.Millisecond

// TestQueueServesUserBBeforeUserAsLastAnswer sends ten questions of user
// A at once, then one of B, through the answer Service on a fair queue of
// one generation at a time (Ollama's default): B's answer starts second,
// long before A's last (the A answer running when it came was A's turn),
// and B is told no question is ahead of it.
func TestQueueServesUserBBeforeUserAsLastAnswer(t *testing.T) {
	t.Parallel()
	var (
		mu     sync.Mutex
		starts []string // the question of each generation, in the order they started
	)
	gen := &Generator{ChatStreamFunc: func(ctx context.Context, _ string, msgs []ollama.Message, _ ollama.ChatOptions, onToken func(string) error) (ollama.ChatStats, error) {
		mu.Lock()
		starts = append(starts, msgs[1].Content)
		mu.Unlock()
		select {
		case <-time.After(generation):
		case <-ctx.Done():
			return ollama.ChatStats{}, ctx.Err()
		}
		if err := onToken("Fees [1]."); err != nil {
			return ollama.ChatStats{}, err
		}
		return ollama.ChatStats{PromptTokens: 10, GeneratedTokens: 3}, nil
	}}
	q := fairqueue.New(fairqueue.Config{Parallel: 1})
	r, _ := fixed(passage(1, 1, "The fee is 30 euros."))
	s := newService(t, answer.Config{}, r, fairqueue.Wrap(gen, q), nil)

	type result struct {
		user, question string
		done           answer.Done
		rec            *recorder
		err            error
	}
	results := make(chan result, 11)
	ask := func(user, question string) {
		rec := &recorder{}
		d, err := s.Answer(context.Background(), answer.Request{Question: question, Language: "en", User: user}, rec.emit)
		results <- result{user, question, d, rec, err}
	}
	waitQueued := func(n int) {
		deadline := time.Now().Add(10 * time.Second)
		for q.Waiting() != n {
			if time.Now().After(deadline) {
				t.Fatalf("%d questions wait, want %d", q.Waiting(), n)
			}
			time.Sleep(time.Millisecond)
		}
	}
	for i := range 10 {
		go ask("A", fmt.Sprintf("A question %d about the fee?", i+1))
	}
	waitQueued(9) // one generates, nine wait
	go ask("B", "B question about the fee?")
	waitQueued(10)

	byUser := map[string][]result{}
	for range 11 {
		res := <-results
		if res.err != nil {
			t.Fatalf("%s: %v", res.question, res.err)
		}
		byUser[res.user] = append(byUser[res.user], res)
	}
	mu.Lock()
	defer mu.Unlock()
	place := func(question string) int {
		for i, st := range starts {
			if strings.Contains(st, question) {
				return i + 1
			}
		}
		t.Fatalf("%q never generated", question)
		return 0
	}
	b := byUser["B"][0]
	bPlace := place(b.question)
	var lastA time.Duration
	for _, a := range byUser["A"] {
		lastA = max(lastA, a.done.Timings.Queue)
	}
	t.Logf("B's answer started %d of 11; B waited %v in the queue, A's last %v (one generation: %v)",
		bPlace, b.done.Timings.Queue.Round(time.Millisecond), lastA.Round(time.Millisecond), generation)
	if bPlace != 2 {
		t.Errorf("B's answer started %d of 11, want 2nd: right after the A answer running when it came", bPlace)
	}
	if b.done.Timings.Queue >= lastA {
		t.Errorf("B waited %v, not less than A's last %v", b.done.Timings.Queue, lastA)
	}
	var aheads []int
	for _, e := range b.rec.events {
		if e.Type == answer.EventQueued {
			aheads = append(aheads, e.Ahead)
		}
	}
	if len(aheads) != 1 || aheads[0] != 0 {
		t.Errorf("B was told %v questions ahead, want [0]", aheads)
	}
	if got := b.rec.types(); got != "sources queued token* done" {
		t.Errorf("B's events %q, want sources, queued, tokens, done", got)
	}
}
