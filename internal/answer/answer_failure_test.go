package answer_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/civitas-eu/civitas/internal/answer"
	"github.com/civitas-eu/civitas/internal/ollama"
)

func TestSearchMode(t *testing.T) {
	t.Parallel()
	failChat := func(err error) *Generator {
		return &Generator{ChatStreamFunc: func(context.Context, string, []ollama.Message, ollama.ChatOptions, func(string) error) (ollama.ChatStats, error) {
			return ollama.ChatStats{}, err
		}}
	}
	notInstalled := fmt.Errorf("ollama chat: model %q is not installed: %w", "chat-test", ollama.ErrModelNotFound)
	unreachable := fmt.Errorf("ollama chat chat-test: cannot reach http://127.0.0.1:1: %w", ollama.ErrUnavailable)
	tests := []struct {
		name string
		gen  answer.Generator
	}{
		{"chat: model not installed", failChat(notInstalled)},
		{"chat: Ollama unreachable", failChat(unreachable)},
		{"show: model not installed", &Generator{
			ShowFunc: func(context.Context, string) (ollama.ModelInfo, error) { return ollama.ModelInfo{}, notInstalled },
			ChatStreamFunc: func(context.Context, string, []ollama.Message, ollama.ChatOptions, func(string) error) (ollama.ChatStats, error) {
				t.Error("chat called although Show said the model is missing")
				return ollama.ChatStats{}, nil
			},
		}},
		{"show: Ollama unreachable", &Generator{
			ShowFunc:       func(context.Context, string) (ollama.ModelInfo, error) { return ollama.ModelInfo{}, unreachable },
			ChatStreamFunc: failChat(unreachable).ChatStreamFunc,
		}},
		{"no generator", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, _ := fixed(threePassages...)
			rec := &recorder{}
			// A follow-up, so that condensing is tried (and skipped or fails) too.
			req := answer.Request{Question: "Und die Frist?", Language: "de", History: []answer.Turn{{Role: "user", Content: "Kosten?"}}}
			done, err := newService(t, answer.Config{}, r, tt.gen, nil).Answer(context.Background(), req, rec.emit)
			if err != nil {
				t.Fatal(err)
			}
			if got := rec.types(); got != "sources done" {
				t.Errorf("events = %q, want sources then done", got)
			}
			if done.Mode != answer.ModeSearch || done.Answer != "" || len(done.Citations) != 0 || len(rec.sources(t)) != 3 {
				t.Errorf("done = %+v", done)
			}
		})
	}
}

func TestFailureMidStream(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		err       error // what the stream ends with after two tokens
		wantIs    error
		knownDown bool // whether the next answer goes straight to search mode
	}{
		{"Ollama dies", fmt.Errorf("ollama chat: %w (%w)", ollama.ErrUnavailable, errors.New("unexpected EOF")), ollama.ErrUnavailable, true},
		{"other failure", errors.New("ollama chat: 500 Internal Server Error"), nil, false},
		// The ollama api client ends a dropped stream with no error at all;
		// only the missing final frame (zero stats) tells.
		{"stream cut without its final frame", nil, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var calls atomic.Int32
			g := &Generator{ChatStreamFunc: func(_ context.Context, _ string, _ []ollama.Message, _ ollama.ChatOptions, onToken func(string) error) (ollama.ChatStats, error) {
				calls.Add(1)
				for _, tok := range []string{"Die Gebühr", " beträgt"} {
					if err := onToken(tok); err != nil {
						return ollama.ChatStats{}, err
					}
				}
				return ollama.ChatStats{}, tt.err
			}}
			r, _ := fixed(threePassages...)
			s := newService(t, answer.Config{}, r, g, nil)
			rec := &recorder{}
			done, err := s.Answer(context.Background(), answer.Request{Question: "Gebühr?", Language: "de"}, rec.emit)
			if err == nil || (tt.wantIs != nil && !errors.Is(err, tt.wantIs)) {
				t.Fatalf("error = %v, want one wrapping %v", err, tt.wantIs)
			}
			if got := rec.types(); got != "sources token* error" {
				t.Errorf("events = %q, want sources, tokens, error", got)
			}
			if last := rec.events[len(rec.events)-1]; strings.Contains(last.Error, "EOF") || strings.Contains(last.Error, "500") || last.Error == "" {
				t.Errorf("error event %q: want a message for users, without internals", last.Error)
			}
			// The server relies on a set Mode to know the error event was sent.
			if done.Mode == "" || done.Answer != "Die Gebühr beträgt" {
				t.Errorf("done = %+v", done)
			}

			rec = &recorder{}
			done, _ = s.Answer(context.Background(), answer.Request{Question: "Gebühr?", Language: "de"}, rec.emit)
			if gotDown := done.Mode == answer.ModeSearch && calls.Load() == 1; gotDown != tt.knownDown {
				t.Errorf("second answer: mode %q after %d chat calls; want the server known down: %v", done.Mode, calls.Load(), tt.knownDown)
			}
		})
	}
}

func TestCancelStopsGeneration(t *testing.T) {
	t.Parallel()
	g := newScripted("eins", " zwei", " drei", " vier", " fünf", " sechs")
	r, _ := fixed(threePassages...)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tokens := 0
	rec := &recorder{onEvent: func(e answer.Event) error {
		if e.Type == answer.EventToken {
			if tokens++; tokens == 2 {
				cancel() // the browser tab is closed
			}
		}
		return nil
	}}
	_, err := newService(t, answer.Config{}, r, g, nil).Answer(ctx, answer.Request{Question: "Zählen?", Language: "de"}, rec.emit)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error = %v, want context.Canceled", err)
	}
	if got := rec.types(); got != "sources token*" {
		t.Errorf("events = %q, want no done or error event", got)
	}
	if tokens != 2 || g.sent != 2 {
		t.Errorf("%d tokens emitted, generator sent %d: generation went on after cancel", tokens, g.sent)
	}
}

func TestEmitFailureStops(t *testing.T) {
	t.Parallel()
	g := newScripted("x")
	r, _ := fixed(threePassages...)
	gone := errors.New("client gone")
	rec := &recorder{onEvent: func(answer.Event) error { return gone }}
	_, err := newService(t, answer.Config{}, r, g, nil).Answer(context.Background(), answer.Request{Question: "Q?"}, rec.emit)
	if !errors.Is(err, gone) || len(g.calls) != 0 {
		t.Errorf("error = %v, chat calls %d: want the emit error and no generation", err, len(g.calls))
	}
}
