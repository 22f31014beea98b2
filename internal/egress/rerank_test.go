package egress_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/civitas-eu/civitas/internal/config"
	"github.com/civitas-eu/civitas/internal/egress"
)

// TestCheckConfigCoversRerankURL: the reranker reads every question and
// its passages, so its URL must be local like Ollama's unless allowed.
func TestCheckConfigCoversRerankURL(t *testing.T) {
	dns := stubResolver{"tei.city": {"10.0.0.8"}, "rerank.example": {"203.0.113.10"}}
	ollama, _ := url.Parse("http://127.0.0.1:11434")
	cases := []struct {
		name, rerank string
		allow        []string
		refused      bool
	}{
		{"off", "", nil, false},
		{"private reranker", "http://tei.city:8080", nil, false},
		{"public reranker", "https://rerank.example", nil, true},
		{"public reranker allowed", "https://rerank.example", []string{"rerank.example"}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := config.Config{OllamaURL: ollama, DatabaseURL: "postgres://u:p@127.0.0.1/civitas", AllowRemoteHosts: c.allow}
			if c.rerank != "" {
				cfg.Rerank.URL, _ = url.Parse(c.rerank)
			}
			err := egress.CheckConfig(context.Background(), cfg, dns)
			if c.refused != (err != nil) {
				t.Fatalf("refused = %v: %v", err != nil, err)
			}
			if err != nil && !strings.Contains(err.Error(), "--rerank-url (CIVITAS_RERANK_URL)") {
				t.Errorf("error %q does not name the setting", err)
			}
		})
	}
}
