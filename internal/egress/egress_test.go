package egress_test

import (
	"context"
	"errors"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/civitas-eu/civitas/internal/config"
	"github.com/civitas-eu/civitas/internal/egress"
)

// stubResolver answers from a table: what a DNS server would say, without
// a network (the guard must decide before anything is dialled).
type stubResolver map[string][]string

func (s stubResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	addrs, ok := s[host]
	if !ok {
		return nil, errors.New("no such host")
	}
	var out []netip.Addr
	for _, a := range addrs {
		out = append(out, netip.MustParseAddr(a))
	}
	return out, nil
}

func TestGuard(t *testing.T) {
	dns := stubResolver{
		"ollama.internal": {"10.0.0.7"},
		"db.internal":     {"192.168.4.2", "fd12::2"},
		"split.example":   {"10.0.0.8", "93.184.216.34"},
		"public.example":  {"93.184.216.34"},
		"allowed.example": {"93.184.216.34"},
		"localhost":       {"127.0.0.1", "::1"},
	}
	cases := []struct {
		host  string
		allow []string
		ok    bool
	}{
		{"127.0.0.1", nil, true},
		{"::1", nil, true},
		{"[::1]", nil, true},
		{"localhost", nil, true},
		{"10.1.2.3", nil, true},
		{"172.16.0.5", nil, true},
		{"172.31.255.254", nil, true},
		{"192.168.1.1", nil, true},
		{"fd00::1", nil, true},
		{"169.254.10.1", nil, true},
		{"fe80::1", nil, true},
		{"/var/run/postgresql", nil, true}, // a unix socket
		{"ollama.internal", nil, true},
		{"db.internal", nil, true},
		{"8.8.8.8", nil, false},
		{"2001:4860:4860::8888", nil, false},
		{"172.32.0.1", nil, false}, // just outside 172.16.0.0/12
		{"100.64.0.1", nil, false}, // carrier-grade NAT is not a private range
		{"192.0.2.10", nil, false}, // documentation range, not private
		{"::ffff:8.8.8.8", nil, false},
		{"public.example", nil, false},
		{"split.example", nil, false}, // one public address is enough to refuse
		{"unresolvable.example", nil, false},
		{"allowed.example", []string{"other", "Allowed.Example"}, true},
		{"8.8.8.8", []string{"8.8.8.8"}, true},
	}
	for _, c := range cases {
		t.Run(c.host, func(t *testing.T) {
			g := egress.Guard{Allow: c.allow, Resolver: dns}
			err := g.Check(context.Background(), egress.Target{Setting: "--x-url (X)", Hosts: []string{c.host}})
			if c.ok && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if !c.ok {
				if !errors.Is(err, egress.ErrRefused) {
					t.Fatalf("err = %v, want a refusal", err)
				}
				if !strings.Contains(err.Error(), "--x-url (X)") || !strings.Contains(err.Error(), "--allow-remote-host") {
					t.Errorf("refusal does not name the setting and the way out: %v", err)
				}
			}
		})
	}
}

func TestCheckConfig(t *testing.T) {
	dns := stubResolver{"localhost": {"127.0.0.1"}, "pg.example": {"203.0.113.5"}}
	cases := []struct {
		name, ollama, db string
		allow            []string
		want             []string // in the error; none: accepted
	}{
		{"local stack", "http://127.0.0.1:11435", "postgres://u:secret@localhost:5432/civitas", nil, nil},
		{"unix socket", "http://localhost:11434", "postgres:///civitas?host=/var/run/postgresql", nil, nil},
		{"public ollama", "http://8.8.8.8:11434", "postgres://u:p@127.0.0.1/civitas", nil, []string{"--ollama-url (CIVITAS_OLLAMA_URL)", "8.8.8.8"}},
		{"public database fallback", "http://127.0.0.1:11434", "postgres://u:p@127.0.0.1,pg.example/civitas", nil,
			[]string{"--database-url (CIVITAS_DATABASE_URL)", "pg.example resolves to 203.0.113.5"}},
		{"public database allowed", "http://127.0.0.1:11434", "postgres://u:p@pg.example/civitas", []string{"pg.example"}, nil},
		{"public chat host", "http://127.0.0.1:11434 chat=http://10.0.0.5:8000,http://8.8.4.4:8000", "postgres://u:p@127.0.0.1/civitas", nil,
			[]string{"--chat-url (CIVITAS_CHAT_URL)", "8.8.4.4"}},
		{"public embedding host", "http://127.0.0.1:11434 embed=http://9.9.9.9:11434", "postgres://u:p@127.0.0.1/civitas", nil,
			[]string{"--embed-url (CIVITAS_EMBED_URL)", "9.9.9.9"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// "URL chat=URL,URL embed=URL": the Ollama URL, then the
			// chat and embedding hosts.
			fields := strings.Fields(c.ollama)
			u, _ := url.Parse(fields[0])
			cfg := config.Config{OllamaURL: u, DatabaseURL: c.db, AllowRemoteHosts: c.allow}
			for _, f := range fields[1:] {
				role, list, _ := strings.Cut(f, "=")
				for _, raw := range strings.Split(list, ",") {
					h, _ := url.Parse(raw)
					if role == "chat" {
						cfg.Inference.Chat.URLs = append(cfg.Inference.Chat.URLs, h)
					} else {
						cfg.Inference.Embed.URLs = append(cfg.Inference.Embed.URLs, h)
					}
				}
			}
			err := egress.CheckConfig(context.Background(), cfg, dns)
			if len(c.want) == 0 {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("error leaks the password: %v", err)
			}
		})
	}
}
