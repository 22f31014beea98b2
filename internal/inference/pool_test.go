package inference_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/civitas-eu/civitas/internal/inference"
	"github.com/civitas-eu/civitas/internal/modeladmin"
	"github.com/civitas-eu/civitas/internal/ollama"
)

var _ modeladmin.Backend = (*inference.Set)(nil)

// fakeBackend is a host whose answers the test scripts; methods without a
// Func fail as unreachable.
type fakeBackend struct {
	url        string
	ChatFunc   func(onToken func(string) error) (ollama.ChatStats, error)
	EmbedFunc  func(texts []string) ([][]float32, error)
	ShowFunc   func(model string) (ollama.ModelInfo, error)
	embedCalls atomic.Int64
}

var errDown = fmt.Errorf("connection refused: %w", ollama.ErrUnavailable)

func (f *fakeBackend) ChatStream(_ context.Context, _ string, _ []ollama.Message, _ ollama.ChatOptions, onToken func(string) error) (ollama.ChatStats, error) {
	if f.ChatFunc == nil {
		return ollama.ChatStats{}, errDown
	}
	return f.ChatFunc(onToken)
}

func (f *fakeBackend) Embed(_ context.Context, _ string, texts []string) ([][]float32, error) {
	f.embedCalls.Add(1)
	if f.EmbedFunc == nil {
		return nil, errDown
	}
	return f.EmbedFunc(texts)
}

func (f *fakeBackend) Show(_ context.Context, model string) (ollama.ModelInfo, error) {
	if f.ShowFunc == nil {
		return ollama.ModelInfo{}, errDown
	}
	return f.ShowFunc(model)
}

func (f *fakeBackend) List(context.Context) ([]ollama.Installed, error) { return nil, errDown }

func (f *fakeBackend) Version(context.Context) (string, error) {
	if f.ChatFunc == nil && f.EmbedFunc == nil {
		return "", errDown
	}
	return "fake", nil
}

func (f *fakeBackend) URL() string { return f.url }

func answers(text string) func(func(string) error) (ollama.ChatStats, error) {
	return func(onToken func(string) error) (ollama.ChatStats, error) {
		if err := onToken(text); err != nil {
			return ollama.ChatStats{}, err
		}
		return ollama.ChatStats{DoneReason: "stop"}, nil
	}
}

// TestChatRetriedOnAnotherHostBeforeTheFirstToken: a host that fails
// before streaming anything is taken out, the chat runs whole on the
// other, and the state says which host is down and when it is probed
// again; a host that fails after the first token is not retried, as the
// caller has shown the text already.
func TestChatRetriedOnAnotherHostBeforeTheFirstToken(t *testing.T) {
	ctx := context.Background()
	dead := &fakeBackend{url: "http://dead"}
	live := &fakeBackend{url: "http://live", ChatFunc: answers("hello")}
	p := inference.NewPool(inference.PoolConfig{Role: "chat", Kind: "ollama"}, nil, dead, live)
	for i := range 2 { // round-robin: one of the two starts on the dead host
		var got string
		if _, err := p.ChatStream(ctx, "m", nil, ollama.ChatOptions{}, func(s string) error { got += s; return nil }); err != nil || got != "hello" {
			t.Fatalf("chat %d = %q, %v; want the live host's answer", i, got, err)
		}
	}
	st := p.States()
	if st[0].Up || st[0].RetryAt == nil || st[0].Error == "" || !st[1].Up {
		t.Errorf("states = %+v; want the dead host out with its error and next probe, the live one up", st)
	}

	midway := &fakeBackend{url: "http://midway", ChatFunc: func(onToken func(string) error) (ollama.ChatStats, error) {
		_ = onToken("half")
		return ollama.ChatStats{}, errDown
	}}
	other := &fakeBackend{url: "http://other", ChatFunc: answers("again")}
	p = inference.NewPool(inference.PoolConfig{Role: "chat"}, nil, midway, other)
	broken := 0
	for range 2 {
		got := ""
		_, err := p.ChatStream(ctx, "m", nil, ollama.ChatOptions{}, func(s string) error { got += s; return nil })
		switch {
		case err == nil && got == "again":
		case errors.Is(err, ollama.ErrUnavailable) && got == "half":
			broken++
		default:
			t.Errorf("chat = %q, %v; want either a whole answer or the error after the first token, never both", got, err)
		}
	}
	if broken != 1 {
		t.Errorf("%d chats broke after their first token, want 1 (not retried)", broken)
	}
}

// TestRequestsGoToTheLeastBusyHost: while one host holds a slow request,
// the next requests all go to the idle one.
func TestRequestsGoToTheLeastBusyHost(t *testing.T) {
	release := make(chan struct{})
	started := make(chan string, 1)
	var first atomic.Bool
	calls := map[string]*atomic.Int64{"http://a": {}, "http://b": {}}
	chat := func(name string) func(func(string) error) (ollama.ChatStats, error) {
		return func(onToken func(string) error) (ollama.ChatStats, error) {
			calls[name].Add(1)
			if first.CompareAndSwap(false, true) {
				started <- name
				<-release
			}
			return answers(name)(onToken)
		}
	}
	a := &fakeBackend{url: "http://a", ChatFunc: chat("http://a")}
	b := &fakeBackend{url: "http://b", ChatFunc: chat("http://b")}
	p := inference.NewPool(inference.PoolConfig{Role: "chat"}, nil, a, b)
	var wg sync.WaitGroup
	wg.Go(func() {
		_, _ = p.ChatStream(context.Background(), "m", nil, ollama.ChatOptions{}, func(string) error { return nil })
	})
	busy := <-started
	idle := "http://a"
	if busy == idle {
		idle = "http://b"
	}
	for _, st := range p.States() {
		if st.URL == busy && st.InFlight != 1 {
			t.Errorf("in flight on the busy host = %d, want 1", st.InFlight)
		}
	}
	for range 3 {
		if _, err := p.ChatStream(context.Background(), "m", nil, ollama.ChatOptions{}, func(string) error { return nil }); err != nil {
			t.Fatal(err)
		}
	}
	close(release)
	wg.Wait()
	if calls[busy].Load() != 1 || calls[idle].Load() != 3 {
		t.Errorf("busy host served %d, idle one %d; want 1 and 3", calls[busy].Load(), calls[idle].Load())
	}
}

// TestEmbeddingsSpreadOverEveryHost: one large Embed call is cut into
// parts embedded at the same time on both hosts, and the vectors come back
// in the order of the texts; when one host dies, its parts go to the other.
func TestEmbeddingsSpreadOverEveryHost(t *testing.T) {
	var concurrent, peak atomic.Int64
	embed := func(texts []string) ([][]float32, error) {
		n := concurrent.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		defer concurrent.Add(-1)
		deadline := time.Now().Add(2 * time.Second)
		for peak.Load() < 2 && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond) // wait for the other host's part, bounded
		}
		out := make([][]float32, len(texts))
		for i, s := range texts {
			out[i] = []float32{float32(len(s))}
		}
		return out, nil
	}
	a := &fakeBackend{url: "http://a", EmbedFunc: embed}
	b := &fakeBackend{url: "http://b", EmbedFunc: embed}
	p := inference.NewPool(inference.PoolConfig{Role: "embed", EmbedBatch: 8}, nil, a, b)
	texts := make([]string, 32)
	for i := range texts {
		texts[i] = fmt.Sprint(i * 1000)
	}
	vecs, err := p.Embed(context.Background(), "m", texts)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range vecs {
		if int(v[0]) != len(texts[i]) {
			t.Fatalf("vector %d = %v, out of order", i, v)
		}
	}
	if peak.Load() < 2 || a.embedCalls.Load() == 0 || b.embedCalls.Load() == 0 {
		t.Errorf("peak concurrency %d, calls a=%d b=%d; want both hosts embedding at once", peak.Load(), a.embedCalls.Load(), b.embedCalls.Load())
	}

	b.EmbedFunc = nil // b dies
	if _, err := p.Embed(context.Background(), "m", texts); err != nil {
		t.Fatalf("with one host dead: %v", err)
	}
	if st := p.States(); st[1].Up {
		t.Errorf("states = %+v; want b out of rotation", st)
	}
}

// TestModelMissingOnOneHostIsFoundOnAnother: a host without the model is
// tried past but stays in rotation.
func TestModelMissingOnOneHostIsFoundOnAnother(t *testing.T) {
	missing := &fakeBackend{url: "http://a", ChatFunc: answers("x"), ShowFunc: func(m string) (ollama.ModelInfo, error) {
		return ollama.ModelInfo{}, fmt.Errorf("%s: %w", m, ollama.ErrModelNotFound)
	}}
	has := &fakeBackend{url: "http://b", ChatFunc: answers("x"), ShowFunc: func(m string) (ollama.ModelInfo, error) {
		return ollama.ModelInfo{Name: m, Digest: "d"}, nil
	}}
	p := inference.NewPool(inference.PoolConfig{Role: "chat"}, nil, missing, has)
	info, err := p.Show(context.Background(), "m")
	if err != nil || info.Digest != "d" {
		t.Fatalf("Show = %+v, %v", info, err)
	}
	if st := p.States(); !st[0].Up {
		t.Errorf("the host without the model was taken out: %+v", st)
	}
	p = inference.NewPool(inference.PoolConfig{Role: "chat"}, nil, missing)
	if _, err := p.Show(context.Background(), "m"); !errors.Is(err, ollama.ErrModelNotFound) {
		t.Errorf("Show on no host with the model = %v, want ErrModelNotFound", err)
	}
}
