package config

import (
	"fmt"
	"net/url"
	"strings"
)

// BackendConfig is one inference backend: its kind, its hosts and the key
// it is called with.
type BackendConfig struct {
	// Kind is "ollama" (the native API) or "openai" (an OpenAI-compatible
	// server: vLLM, llama.cpp, TGI, LocalAI, Ollama's /v1).
	Kind string
	// URLs are the backend's hosts; empty means --ollama-url.
	URLs []*url.URL
	// APIKey is sent as a bearer token to an openai backend; it is read
	// from the file the setting names and never logged.
	APIKey string
}

// InferenceConfig holds the chat and embedding backends (internal/inference).
type InferenceConfig struct {
	Chat  BackendConfig
	Embed BackendConfig
}

// ChatBackend is the chat backend with its defaults applied: Ollama's
// native API at --ollama-url.
func (c Config) ChatBackend() BackendConfig { return c.Inference.Chat.resolve(c.OllamaURL) }

// EmbedBackend is the embedding backend with its defaults applied.
func (c Config) EmbedBackend() BackendConfig { return c.Inference.Embed.resolve(c.OllamaURL) }

func (b BackendConfig) resolve(ollamaURL *url.URL) BackendConfig {
	if b.Kind == "" {
		b.Kind = "ollama"
	}
	if len(b.URLs) == 0 && ollamaURL != nil {
		b.URLs = []*url.URL{ollamaURL}
	}
	return b
}

// inferenceSettings are the rows of the chat and embedding backends.
func inferenceSettings() []Setting {
	return []Setting{
		{Flag: "chat-backend", Env: "CIVITAS_CHAT_BACKEND", Default: "ollama", Only: "assistant",
			Usage: "kind of server that writes answers: ollama (native API) or openai (any OpenAI-compatible server: vLLM, llama.cpp, TGI, LocalAI)",
			set:   func(c *Config, v string) error { c.Inference.Chat.Kind = v; return oneOf(v, "ollama", "openai") }},
		{Flag: "chat-url", Env: "CIVITAS_CHAT_URL", Default: "", Only: "assistant",
			Usage: "base URLs of the chat servers, comma-separated; requests go to the least busy healthy one (empty: --ollama-url; checked by the egress guard)",
			set:   func(c *Config, v string) error { return setURLList(v, &c.Inference.Chat.URLs) }},
		{Flag: "chat-api-key-file", Env: "CIVITAS_CHAT_API_KEY_FILE", Default: "", Secret: true, Only: "assistant",
			Usage: "file holding the API key sent as a bearer token to the openai chat servers (a container secret)",
			set:   func(c *Config, v string) error { return readKeyFile(v, &c.Inference.Chat.APIKey) }},
		{Flag: "embed-backend", Env: "CIVITAS_EMBED_BACKEND", Default: "ollama",
			Usage: "kind of server that embeds passages and questions: ollama or openai",
			set:   func(c *Config, v string) error { c.Inference.Embed.Kind = v; return oneOf(v, "ollama", "openai") }},
		{Flag: "embed-url", Env: "CIVITAS_EMBED_URL", Default: "",
			Usage: "base URLs of the embedding servers, comma-separated; batches are spread over all healthy ones (empty: --ollama-url; checked by the egress guard)",
			set:   func(c *Config, v string) error { return setURLList(v, &c.Inference.Embed.URLs) }},
		{Flag: "embed-api-key-file", Env: "CIVITAS_EMBED_API_KEY_FILE", Default: "", Secret: true,
			Usage: "file holding the API key sent as a bearer token to the openai embedding servers (a container secret)",
			set:   func(c *Config, v string) error { return readKeyFile(v, &c.Inference.Embed.APIKey) }},
	}
}

// setURLList parses a comma-separated list of http(s) base URLs.
func setURLList(v string, dst *[]*url.URL) error {
	*dst = nil
	for _, part := range strings.Split(v, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		u, err := url.Parse(part)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("%q is not an http(s) URL naming a host", part)
		}
		*dst = append(*dst, u)
	}
	return nil
}
