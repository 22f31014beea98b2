package deploy_test

import (
	"net/url"
	"slices"
	"strings"
	"testing"
)

// TestComposeNetworks: PostgreSQL, Ollama and the worker have no route out
// (only internal networks); the assistant reaches the published port and
// the identity provider through a second one.
func TestComposeNetworks(t *testing.T) {
	t.Parallel()
	f := loadCompose(t)
	for _, name := range []string{"db", "ollama", "worker", "migrate", "ingest"} {
		s := mustService(t, f, name)
		if len(s.Networks) == 0 {
			t.Errorf("service %s: no networks: it would join the default one, which has a route out", name)
		}
		for _, n := range s.Networks {
			if !f.Networks[n].Internal {
				t.Errorf("service %s: network %s is not internal: true", name, n)
			}
		}
	}
	a := mustService(t, f, "assistant")
	if !slices.ContainsFunc(a.Networks, func(n string) bool { return f.Networks[n].Internal }) {
		t.Errorf("service assistant: networks %q, want the internal backend too", a.Networks)
	}
}

func TestComposeOnlyAssistantPublishesPorts(t *testing.T) {
	t.Parallel()
	f := loadCompose(t)
	for name, s := range f.Services {
		switch {
		case name == "keycloak":
			// The demo provider, published on loopback for the browser.
			for _, p := range s.Ports {
				if !strings.HasPrefix(p, "127.0.0.1:") {
					t.Errorf("service keycloak: port %q, want loopback only", p)
				}
			}
		case name != "assistant" && len(s.Ports) > 0:
			t.Errorf("service %s: publishes ports %q; only the assistant may (PostgreSQL and Ollama stay internal)", name, s.Ports)
		}
	}
	a := mustService(t, f, "assistant")
	if len(a.Ports) != 1 {
		t.Fatalf("service assistant: ports %q, want exactly one", a.Ports)
	}
	mapping := expandDefaults(a.Ports[0])
	i := strings.LastIndex(mapping, ":")
	host, container := mapping[:max(i, 0)], mapping[i+1:]
	if container != "8080" {
		t.Errorf("service assistant: port %q should map to container port 8080", a.Ports[0])
	}
	if !strings.HasPrefix(host, "127.0.0.1:") {
		t.Errorf("service assistant: port %q publishes on %q by default, want loopback (127.0.0.1)", a.Ports[0], host)
	}
}

func TestComposeServiceURLs(t *testing.T) {
	t.Parallel()
	f := loadCompose(t)
	tests := []struct {
		variable string
		scheme   string
		host     string
	}{
		{variable: "CIVITAS_DATABASE_URL", scheme: "postgres", host: "db:5432"},
		{variable: "CIVITAS_OLLAMA_URL", scheme: "http", host: "ollama:11434"},
	}
	for _, name := range []string{"assistant", "ingest"} {
		s := mustService(t, f, name)
		for _, tt := range tests {
			raw, ok := s.Environment[tt.variable]
			if !ok {
				t.Errorf("service %s: %s is not set", name, tt.variable)
				continue
			}
			u, err := url.Parse(expandDefaults(raw))
			if err != nil {
				t.Errorf("service %s: %s %q: %v", name, tt.variable, raw, err)
				continue
			}
			if u.Scheme != tt.scheme || u.Host != tt.host {
				t.Errorf("service %s: %s %q points at %s://%s, want %s://%s", name, tt.variable, raw, u.Scheme, u.Host, tt.scheme, tt.host)
			}
		}
	}
}
