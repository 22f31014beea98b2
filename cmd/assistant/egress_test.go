package main

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/civitas-eu/civitas/internal/egress"
)

// TestRefusesPublicEndpoints runs the assistant as main would with an
// Ollama or database URL on a public address: it must stop at start-up,
// before connecting anywhere, and say which setting is wrong and how to
// allow it. Nothing is dialled, so no network is needed.
func TestRefusesPublicEndpoints(t *testing.T) {
	cases := []struct {
		name string
		env  map[string]string
		want []string
	}{
		{"ollama", map[string]string{"CIVITAS_OLLAMA_URL": "http://8.8.8.8:11434"},
			[]string{"--ollama-url (CIVITAS_OLLAMA_URL)", "8.8.8.8 is a public address", "--allow-remote-host"}},
		{"database", map[string]string{"CIVITAS_DATABASE_URL": "postgres://civitas:s3cret@8.8.4.4:5432/civitas"},
			[]string{"--database-url (CIVITAS_DATABASE_URL)", "8.8.4.4 is a public address"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.env["CIVITAS_LISTEN"] = "127.0.0.1:0"
			var logs syncBuffer
			ready := make(chan string, 1)
			m := &Main{Stdout: &logs, Stderr: &logs, Getenv: func(k string) string { return c.env[k] }, Ready: ready}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			err := m.Run(ctx, nil)
			if len(ready) > 0 {
				t.Fatal("the assistant listened despite a public endpoint")
			}
			if !errors.Is(err, egress.ErrRefused) {
				t.Fatalf("Run = %v, want the egress refusal", err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if strings.Contains(err.Error()+logs.String(), "s3cret") {
				t.Error("the database password was printed")
			}
		})
	}
}
