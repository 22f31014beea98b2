package ollama_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/civitas-eu/civitas/internal/ollama"
	"github.com/civitas-eu/civitas/internal/ollama/ollamatest"
)

func TestEmbedBatchHasDeclaredDimensions(t *testing.T) {
	t.Parallel()
	c := ollamatest.Client(t)
	tests := []struct {
		file string
		dims int // declared in shared/models/README.md
	}{
		{ollamatest.StoriesFile, 64},
		{ollamatest.RandomFile, 8},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			model := ollamatest.Model(t, c, tt.file)
			texts := []string{"Parkausweis für Anwohner", "état civil", "waste collection", "", "Hundesteuer 2024"}
			c.EmbedBatch = 2 // force several requests, to test batching and order
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			vecs, err := c.Embed(ctx, model, texts)
			if err != nil {
				t.Fatalf("Embed: %v", err)
			}
			if len(vecs) != len(texts) {
				t.Fatalf("got %d vectors for %d texts", len(vecs), len(texts))
			}
			for i, v := range vecs {
				if len(v) != tt.dims {
					t.Errorf("vector %d has %d dimensions, want %d", i, len(v), tt.dims)
				}
			}
			// Batching must keep order: the same text embedded alone gives
			// the same vector as in the batch.
			one, err := c.Embed(ctx, model, texts[2:3])
			if err != nil {
				t.Fatalf("Embed one: %v", err)
			}
			for j := range one[0] {
				if d := one[0][j] - vecs[2][j]; d > 1e-4 || d < -1e-4 {
					t.Fatalf("vector of text 2 differs alone and in a batch at %d: %v vs %v", j, one[0][j], vecs[2][j])
				}
			}
			dims, err := c.EmbeddingDimensions(ctx, model)
			if err != nil || dims != tt.dims {
				t.Errorf("EmbeddingDimensions = %d, %v; want %d", dims, err, tt.dims)
			}
		})
	}
}

func TestChatStreamsTokens(t *testing.T) {
	t.Parallel()
	c := ollamatest.Client(t)
	model := ollamatest.Model(t, c, ollamatest.StoriesFile)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	temp, seed := 0.0, 42
	var tokens []string
	stats, err := c.ChatStream(ctx, model, []ollama.Message{{Role: "user", Content: "Once upon a time"}},
		ollama.ChatOptions{Temperature: &temp, Seed: &seed, NumCtx: 512, NumPredict: 48}, func(tok string) error {
			tokens = append(tokens, tok)
			return nil
		})
	if err != nil {
		t.Fatalf("ChatStream: %v", err)
	}
	if len(tokens) < 2 {
		t.Fatalf("got %d streamed pieces, want several: %q", len(tokens), tokens)
	}
	if strings.TrimSpace(strings.Join(tokens, "")) == "" {
		t.Error("streamed text is empty")
	}
	if stats.GeneratedTokens == 0 || stats.Model == "" {
		t.Errorf("final stats missing: %+v", stats)
	}
}

func TestChatStopsWhenCallbackFails(t *testing.T) {
	t.Parallel()
	c := ollamatest.Client(t)
	model := ollamatest.Model(t, c, ollamatest.StoriesFile)
	stop := errors.New("enough")
	n := 0
	_, err := c.ChatStream(context.Background(), model, []ollama.Message{{Role: "user", Content: "Once upon a time"}},
		ollama.ChatOptions{NumCtx: 512}, func(string) error {
			n++
			if n == 3 {
				return stop
			}
			return nil
		})
	if !errors.Is(err, stop) {
		t.Fatalf("ChatStream error = %v, want the callback's error", err)
	}
	if n != 3 {
		t.Errorf("callback called %d times after stopping at 3", n)
	}
}

func TestMissingModelNamesModelAndServer(t *testing.T) {
	t.Parallel()
	c := ollamatest.Client(t)
	_, err := c.Embed(context.Background(), "no-such-model-xyz", []string{"a"})
	if !errors.Is(err, ollama.ErrModelNotFound) {
		t.Fatalf("error = %v, want ErrModelNotFound", err)
	}
	for _, want := range []string{"no-such-model-xyz", c.URL(), "ollama pull"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestUnreachableServerIsUnavailable(t *testing.T) {
	t.Parallel()
	c := ollamatest.Unreachable(t)
	c.Retries, c.Backoff = 2, time.Millisecond
	_, err := c.Embed(context.Background(), "any", []string{"a"})
	if !errors.Is(err, ollama.ErrUnavailable) {
		t.Fatalf("error = %v, want ErrUnavailable", err)
	}
	if !strings.Contains(err.Error(), c.URL()) {
		t.Errorf("error %q does not name the server %s", err, c.URL())
	}
}

func TestChatReportsCancellation(t *testing.T) {
	t.Parallel()
	c := ollamatest.Client(t)
	model := ollamatest.Model(t, c, ollamatest.StoriesFile)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n := 0
	_, err := c.ChatStream(ctx, model, []ollama.Message{{Role: "user", Content: "Once upon a time"}},
		ollama.ChatOptions{NumCtx: 512, NumPredict: 200}, func(string) error {
			n++
			if n == 2 {
				cancel() // as a closed browser tab does
			}
			return nil
		})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("ChatStream after cancel: error = %v after %d tokens, want context.Canceled", err, n)
	}
}

// TestEmbedShortensOverlongInput: a German chunk longer than the BERT
// model's 512-token context made the server's own truncation fail (the
// truncated WordPiece tokens re-tokenize longer), and with it the whole
// batch and the ingest. Now the batch is embedded, the long text by its head.
func TestEmbedShortensOverlongInput(t *testing.T) {
	c := ollamatest.Client(t)
	model := ollamatest.RealEmbedder(t, c)
	long := strings.Repeat("Übergangsbestimmungen für Verwaltungsvorschriften und Ausführungsbestimmungen zur Gemeindeordnung §§ 12–14 ", 60)
	vecs, err := c.Embed(context.Background(), model, []string{"Hundesteuer", long})
	if err != nil {
		t.Fatal(err)
	}
	if len(vecs) != 2 || len(vecs[0]) != 384 || len(vecs[1]) != 384 {
		t.Fatalf("got %d vectors", len(vecs))
	}
}
