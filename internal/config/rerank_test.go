package config_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/civitas-eu/civitas/internal/config"
)

// TestRerankAndQueueSettings: reranking is off and one generation runs at
// a time by default; a reranker is configured by URL, kind, model, top n
// and a key file, and each wrong value is refused naming its setting.
func TestRerankAndQueueSettings(t *testing.T) {
	t.Parallel()
	key := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(key, []byte("tok3n\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, _, err := config.Load("assistant", nil, env(nil), &bytes.Buffer{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Rerank.URL != nil || c.Rerank.Kind != "tei" || c.Rerank.TopN != 8 || c.Queue.ChatParallel != 1 {
		t.Errorf("defaults %+v %+v", c.Rerank, c.Queue)
	}
	c, _, err = config.Load("assistant", []string{"--rerank-url=http://127.0.0.1:8080", "--rerank-kind=v1",
		"--rerank-model=bge-reranker-v2-m3", "--rerank-top-n=5", "--rerank-api-key-file=" + key, "--chat-parallel=4"},
		env(nil), &bytes.Buffer{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Rerank.URL.Host != "127.0.0.1:8080" || c.Rerank.Kind != "v1" || c.Rerank.Model != "bge-reranker-v2-m3" ||
		c.Rerank.TopN != 5 || c.Rerank.APIKey != "tok3n" || c.Queue.ChatParallel != 4 {
		t.Errorf("configured %+v %+v", c.Rerank, c.Queue)
	}
	for _, tt := range []struct{ arg, want string }{
		{"--rerank-url=ftp://x", "--rerank-url"},
		{"--rerank-url=http://user:pw@x", "--rerank-url"},
		{"--rerank-kind=cohere", "--rerank-kind"},
		{"--rerank-top-n=0", "--rerank-top-n"},
		{"--rerank-api-key-file=" + key + ".missing", "--rerank-api-key-file"},
		{"--chat-parallel=0", "--chat-parallel"},
	} {
		_, _, err := config.Load("assistant", []string{tt.arg}, env(nil), &bytes.Buffer{}, nil)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want an error naming %s", tt.arg, err, tt.want)
		}
	}
}
