package config_test

import (
	"bytes"
	"errors"
	"flag"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/civitas-eu/civitas/internal/config"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestLoadPrecedence(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		args      []string
		env       map[string]string
		wantChat  string
		wantOll   string
		wantLevel slog.Level
	}{
		{name: "defaults", wantChat: config.DefaultChatModel, wantOll: config.DefaultOllamaURL, wantLevel: slog.LevelInfo},
		{name: "environment", env: map[string]string{"CIVITAS_CHAT_MODEL": "mistral", "CIVITAS_OLLAMA_URL": "http://10.0.0.5:11434", "CIVITAS_LOG_LEVEL": "debug"},
			wantChat: "mistral", wantOll: "http://10.0.0.5:11434", wantLevel: slog.LevelDebug},
		{name: "flag wins over environment", args: []string{"--chat-model", "llama3.1:8b", "--log-level=warn"},
			env:      map[string]string{"CIVITAS_CHAT_MODEL": "mistral", "CIVITAS_LOG_LEVEL": "debug"},
			wantChat: "llama3.1:8b", wantOll: config.DefaultOllamaURL, wantLevel: slog.LevelWarn},
		{name: "empty environment variable counts as unset", env: map[string]string{"CIVITAS_CHAT_MODEL": ""},
			wantChat: config.DefaultChatModel, wantOll: config.DefaultOllamaURL, wantLevel: slog.LevelInfo},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, _, err := config.Load("assistant", tt.args, env(tt.env), &bytes.Buffer{}, nil)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if c.ChatModel != tt.wantChat {
				t.Errorf("ChatModel = %q, want %q", c.ChatModel, tt.wantChat)
			}
			if c.OllamaURL.String() != tt.wantOll {
				t.Errorf("OllamaURL = %q, want %q", c.OllamaURL, tt.wantOll)
			}
			if c.LogLevel != tt.wantLevel {
				t.Errorf("LogLevel = %v, want %v", c.LogLevel, tt.wantLevel)
			}
		})
	}
}

func TestLoadRejectsInvalidSettings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string // the message must name the setting
	}{
		{name: "ollama url without scheme", args: []string{"--ollama-url", "localhost:11434"}, want: "--ollama-url (CIVITAS_OLLAMA_URL"},
		{name: "listen without port", env: map[string]string{"CIVITAS_LISTEN": "localhost"}, want: "--listen (CIVITAS_LISTEN"},
		{name: "unknown log level", args: []string{"--log-level", "loud"}, want: "--log-level (CIVITAS_LOG_LEVEL"},
		{name: "bad log format", args: []string{"--log-format", "xml"}, want: "--log-format"},
		{name: "missing prompts dir", args: []string{"--prompts-dir", "/nonexistent/prompts"}, want: "--prompts-dir (CIVITAS_PROMPTS_DIR"},
		{name: "empty chat model", args: []string{"--chat-model", " "}, want: "--chat-model (CIVITAS_CHAT_MODEL): must not be empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, _, err := config.Load("assistant", tt.args, env(tt.env), &bytes.Buffer{}, nil)
			if err == nil {
				t.Fatal("Load succeeded, want an error")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
		})
	}
}

func TestHelpDocumentsEverySetting(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	var extra bool
	_, _, err := config.Load("assistant", []string{"--help"}, env(nil), &out, func(fs *flag.FlagSet) {
		fs.BoolVar(&extra, "dry-run", false, "only report what would change")
	})
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("Load(--help) error = %v, want flag.ErrHelp", err)
	}
	help := out.String()
	for _, s := range config.For("assistant") {
		for _, want := range []string{"--" + s.Flag, s.Env, s.Usage} {
			if !strings.Contains(help, want) {
				t.Errorf("help lacks %q for setting %s", want, s.Flag)
			}
		}
	}
	if !strings.Contains(help, "--dry-run") {
		t.Error("help lacks the binary's own flag --dry-run")
	}
	// Settings of the assistant alone are not offered to ingest.
	out.Reset()
	_, _, _ = config.Load("ingest", []string{"--help"}, env(nil), &out, nil)
	if strings.Contains(out.String(), "--auth-proxy-headers") || !strings.Contains(out.String(), "--embed-model") {
		t.Errorf("ingest help shows the wrong settings:\n%s", out.String())
	}
}

func TestRedactURL(t *testing.T) {
	tests := []struct{ raw, want string }{
		{"postgres://civitas:s3cret@db:5432/civitas", "postgres://db:5432/civitas"},
		{"postgres://db/civitas?password=s3cret&sslmode=disable", "postgres://db:5432/civitas"},
		{"host=db user=civitas password=s3cret dbname=civitas", "postgres://db:5432/civitas"},
		{"http://user:s3cret@ollama:11434/?token=s3cret", "http://ollama:11434/"},
		{"http://127.0.0.1:11435", "http://127.0.0.1:11435"},
	}
	for _, tt := range tests {
		if got := config.RedactURL(tt.raw); got != tt.want || strings.Contains(got, "s3cret") {
			t.Errorf("RedactURL(%q) = %q, want %q", tt.raw, got, tt.want)
		}
	}
}

func TestSplitList(t *testing.T) {
	t.Parallel()
	for in, want := range map[string][]string{
		"":                nil,
		" , ,":            nil,
		"a":               {"a"},
		" a , b ,, c d ,": {"a", "b", "c d"},
		"a,a":             {"a", "a"}, // duplicates are the caller's business
	} {
		if got := config.SplitList(in); !slices.Equal(got, want) || (want == nil) != (got == nil) {
			t.Errorf("SplitList(%q) = %#v, want %#v", in, got, want)
		}
	}
}
