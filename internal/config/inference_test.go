package config_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/civitas-eu/civitas/internal/config"
)

// TestInferenceBackendSettings: without settings, chat and embeddings go
// to --ollama-url with the native API, as before; --chat-url and
// --embed-url take comma-separated lists of their own, the kinds are
// checked, and the API key comes from its file and is never logged.
func TestInferenceBackendSettings(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "key")
	os.WriteFile(keyFile, []byte("sk-s3cr3t\n"), 0o600)
	tests := []struct {
		name      string
		args      []string
		wantChat  string // kind, then the URLs
		wantEmbed string
		wantErr   string
	}{
		{"defaults to the one Ollama", []string{"--ollama-url=http://10.0.0.9:11434"}, "ollama http://10.0.0.9:11434", "ollama http://10.0.0.9:11434", ""},
		{"separate hosts", []string{"--chat-backend=openai", "--chat-url=http://gpu1:8000/v1, http://gpu2:8000/v1", "--chat-api-key-file=" + keyFile,
			"--embed-url=http://emb1:11434,http://emb2:11434"},
			"openai http://gpu1:8000/v1 http://gpu2:8000/v1", "ollama http://emb1:11434 http://emb2:11434", ""},
		{"unknown kind", []string{"--embed-backend=tgi"}, "", "", "--embed-backend"},
		{"not a URL", []string{"--chat-url=gpu1:8000"}, "", "", "--chat-url"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			c, _, err := config.Load("assistant", tt.args, env(nil), &out, nil)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one naming %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			desc := func(b config.BackendConfig) string {
				s := b.Kind
				for _, u := range b.URLs {
					s += " " + u.String()
				}
				return s
			}
			if got := desc(c.ChatBackend()); got != tt.wantChat {
				t.Errorf("chat backend = %q, want %q", got, tt.wantChat)
			}
			if got := desc(c.EmbedBackend()); got != tt.wantEmbed {
				t.Errorf("embed backend = %q, want %q", got, tt.wantEmbed)
			}
			if strings.Contains(tt.wantChat, "openai") && c.ChatBackend().APIKey != "sk-s3cr3t" {
				t.Errorf("API key not read from its file")
			}
			var logged bytes.Buffer
			c.NewLogger(&logged).Info("start", c.LogAttrs()...)
			if strings.Contains(logged.String(), "s3cr3t") {
				t.Errorf("the start-up log shows the API key: %s", logged.String())
			}
		})
	}
}
