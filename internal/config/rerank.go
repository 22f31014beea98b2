package config

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
)

// RerankConfig is the optional reranking stage between retrieval and the
// prompt (internal/rerank): a server with the /rerank contract that TEI,
// vLLM and llama.cpp's server share. No URL: off.
type RerankConfig struct {
	URL    *url.URL // nil: no reranking
	Kind   string   // "tei" or "v1"
	Model  string
	TopN   int
	APIKey string // read from --rerank-api-key-file
}

// rerankSettings are the rows of the reranking stage.
func rerankSettings() []Setting {
	return []Setting{
		{Flag: "rerank-url", Env: "CIVITAS_RERANK_URL", Default: "", Only: "assistant",
			Usage: "base URL of a reranking server (TEI, vLLM, llama.cpp server) that reorders the retrieved passages before they go into the prompt; empty: off. The egress guard checks it like the Ollama URL",
			set:   setRerankURL},
		{Flag: "rerank-kind", Env: "CIVITAS_RERANK_KIND", Default: "tei", Only: "assistant",
			Usage: "dialect of the reranking server: tei (POST /rerank {query, texts}) or v1 (vLLM, llama.cpp: POST /v1/rerank {model, query, documents, top_n})",
			set: func(c *Config, v string) error {
				if v != "tei" && v != "v1" {
					return errors.New("want tei or v1")
				}
				c.Rerank.Kind = v
				return nil
			}},
		{Flag: "rerank-model", Env: "CIVITAS_RERANK_MODEL", Default: "", Only: "assistant",
			Usage: "reranking model to ask a v1 server for (a TEI server serves one and ignores it)",
			set:   func(c *Config, v string) error { c.Rerank.Model = v; return nil }},
		{Flag: "rerank-top-n", Env: "CIVITAS_RERANK_TOP_N", Default: "8", Only: "assistant",
			Usage: "passages kept after reranking, best first (of three times as many retrieved); those that do not fit --context-budget are left out",
			set:   intBetween(1, 100, "", func(c *Config) *int { return &c.Rerank.TopN })},
		{Flag: "rerank-api-key-file", Env: "CIVITAS_RERANK_API_KEY_FILE", Default: "", Only: "assistant",
			Usage: "file holding the bearer token the reranking server wants (empty: none sent)",
			set:   setRerankKeyFile},
	}
}

func setRerankURL(c *Config, v string) error {
	if v == "" {
		c.Rerank.URL = nil
		return nil
	}
	u, err := url.Parse(v)
	switch {
	case err != nil:
		return fmt.Errorf("not a URL: %w", err)
	case u.Scheme != "http" && u.Scheme != "https":
		return errors.New("must start with http:// or https://")
	case u.Host == "":
		return errors.New("must name a host")
	case u.User != nil:
		return errors.New("must not carry credentials: use --rerank-api-key-file")
	}
	c.Rerank.URL = u
	return nil
}

func setRerankKeyFile(c *Config, v string) error {
	if v == "" {
		return nil
	}
	b, err := os.ReadFile(v)
	if err != nil {
		return fmt.Errorf("read the reranker's API key: %w", err)
	}
	if c.Rerank.APIKey = strings.TrimSpace(string(b)); c.Rerank.APIKey == "" {
		return errors.New("the file is empty")
	}
	return nil
}
