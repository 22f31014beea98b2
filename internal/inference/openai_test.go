package inference_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/civitas-eu/civitas/internal/inference"
	"github.com/civitas-eu/civitas/internal/ollama"
	"github.com/civitas-eu/civitas/internal/ollama/ollamatest"
)

// openAIClient returns a client of the test Ollama's OpenAI-compatible
// endpoints (/v1), with the tiny models installed.
func openAIClient(t *testing.T) (c *inference.OpenAI, chat, embed string) {
	t.Helper()
	llm := ollamatest.Client(t)
	chat = ollamatest.Model(t, llm, ollamatest.StoriesFile)
	embed = ollamatest.Model(t, llm, ollamatest.RandomFile)
	u, err := url.Parse(os.Getenv(ollamatest.EnvURL))
	if err != nil {
		t.Fatal(err)
	}
	return inference.NewOpenAI(u, ""), chat, embed
}

// TestOpenAIClientAgainstOllamaV1: the openai kind lists, shows, embeds
// and streams a chat through a real OpenAI-compatible server (Ollama's
// /v1), and a model it does not serve is ErrModelNotFound, as with the
// native client.
func TestOpenAIClientAgainstOllamaV1(t *testing.T) {
	c, chat, embed := openAIClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	list, err := c.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, m := range list {
		names[m.Name] = true
	}
	if !names[chat] || !names[embed] {
		t.Fatalf("/v1/models lists %v, want %s and %s (without :latest)", names, chat, embed)
	}
	if _, err := c.Show(ctx, embed); err != nil {
		t.Errorf("Show(%s) = %v", embed, err)
	}
	if _, err := c.Show(ctx, "no-such-model"); !errors.Is(err, ollama.ErrModelNotFound) {
		t.Errorf("Show(no-such-model) = %v, want ErrModelNotFound", err)
	}
	vecs, err := c.Embed(ctx, embed, []string{"eins", "zwei", "drei"})
	if err != nil || len(vecs) != 3 || len(vecs[0]) != 8 {
		t.Fatalf("Embed = %v, %v; want 3 vectors of 8 dimensions", vecs, err)
	}
	if _, err := c.Embed(ctx, "no-such-model", []string{"x"}); !errors.Is(err, ollama.ErrModelNotFound) {
		t.Errorf("Embed with a missing model = %v, want ErrModelNotFound", err)
	}
	var text strings.Builder
	zero, seed := 0.0, 1
	stats, err := c.ChatStream(ctx, chat, []ollama.Message{{Role: "user", Content: "Once upon a time"}},
		ollama.ChatOptions{Temperature: &zero, Seed: &seed, NumPredict: 8}, func(s string) error { text.WriteString(s); return nil })
	if err != nil || text.Len() == 0 || stats.GeneratedTokens == 0 || stats.DoneReason == "" {
		t.Fatalf("ChatStream = %q, %+v, %v; want text and usage", text.String(), stats, err)
	}
}

// TestOpenAIClientSendsTheAPIKeyAndClassifiesErrors: the key read from
// --chat-api-key-file goes out as a bearer token; a 503 is
// ErrUnavailable (the pool takes the host out), a refused connection too.
func TestOpenAIClientSendsTheAPIKeyAndClassifiesErrors(t *testing.T) {
	var auth string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth = r.Header.Get("Authorization")
		http.Error(w, `{"error":{"message":"overloaded"}}`, http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	c := inference.NewOpenAI(u, "s3cret")
	_, err := c.Embed(context.Background(), "m", []string{"x"})
	if !errors.Is(err, ollama.ErrUnavailable) || auth != "Bearer s3cret" {
		t.Errorf("Embed = %v with Authorization %q; want ErrUnavailable and the bearer key", err, auth)
	}
	if strings.Contains(c.URL(), "s3cret") {
		t.Errorf("URL() = %q shows the key", c.URL())
	}
	srv.Close()
	if _, err := c.List(context.Background()); !errors.Is(err, ollama.ErrUnavailable) {
		t.Errorf("List on a closed server = %v, want ErrUnavailable", err)
	}
}
