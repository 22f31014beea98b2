package deploy_test

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/civitas-eu/civitas/internal/config"
)

// The environment compose passes and .env.example documents.

// documentedEnv are the configuration variables that cmd/assistant and
// cmd/ingest read, from the one settings table. Containers must not be
// given any other CIVITAS_* name: a misspelt one would be silently ignored
// by the binaries.
var documentedEnv = func() []string {
	var out []string
	for _, s := range config.Settings() {
		out = append(out, s.Env)
	}
	return out
}()

func TestComposeEnvironmentUsesDocumentedNames(t *testing.T) {
	t.Parallel()
	f := loadCompose(t)
	for name, s := range f.Services {
		for key := range s.Environment {
			if strings.HasPrefix(key, "CIVITAS_") && !slices.Contains(documentedEnv, key) {
				t.Errorf("service %s: environment %s is not a documented variable (%s)", name, key, strings.Join(documentedEnv, ", "))
			}
		}
	}
}

func TestComposeModelDefaults(t *testing.T) {
	t.Parallel()
	f := loadCompose(t)
	tests := []struct {
		variable string
		want     string
	}{
		{variable: "CIVITAS_CHAT_MODEL", want: "qwen2.5:3b-instruct"},
		{variable: "CIVITAS_EMBED_MODEL", want: "bge-m3"},
	}
	for _, name := range []string{"ollama-pull", "assistant", "ingest"} {
		s := mustService(t, f, name)
		for _, tt := range tests {
			raw := s.Environment[tt.variable]
			want := "${" + tt.variable + ":-" + tt.want + "}"
			if raw != want {
				t.Errorf("service %s: %s %q, want %q (a default that .env can override)", name, tt.variable, raw, want)
			}
		}
	}
}

func TestEnvExampleListsComposeVariables(t *testing.T) {
	t.Parallel()
	compose, err := os.ReadFile(composePath)
	if err != nil {
		t.Fatalf("read compose file: %v", err)
	}
	example, err := os.ReadFile(envExamplePath)
	if err != nil {
		t.Fatalf("read .env example: %v", err)
	}
	listed := map[string]bool{}
	line := regexp.MustCompile(`(?m)^[#\s]*([A-Z_][A-Z0-9_]*)=`)
	for _, m := range line.FindAllStringSubmatch(string(example), -1) {
		listed[m[1]] = true
	}
	for _, ref := range interpolations(string(compose)) {
		if !listed[ref.Name] {
			t.Errorf(".env.example does not list %s, which compose.yaml reads", ref.Name)
		}
	}
}
