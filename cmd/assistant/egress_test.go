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
	// The server and every subcommand that reaches the database or Ollama.
	commands := [][]string{nil, {"models", "list"}, {"eval", "--qa", "questions.jsonl"}, {"audit", "verify"}, {"subject", "export", "alice"}}
	for _, c := range cases {
		for _, args := range commands {
			name := "serve"
			if len(args) > 0 {
				name = args[0]
			}
			t.Run(c.name+"/"+name, func(t *testing.T) { assertRefused(t, c.env, args, c.want) })
		}
	}
}

// assertRefused runs the assistant with args under env and checks that it
// stops before serving, with the egress refusal naming want, and without
// printing the database password.
func assertRefused(t *testing.T, env map[string]string, args, want []string) {
	t.Helper()
	env["CIVITAS_LISTEN"] = "127.0.0.1:0"
	env["CIVITAS_METRICS_LISTEN"] = "127.0.0.1:0"
	var logs syncBuffer
	ready := make(chan string, 1)
	m := &Main{Stdout: &logs, Stderr: &logs, Getenv: func(k string) string { return env[k] }, Ready: ready}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err := m.Run(ctx, args)
	if len(ready) > 0 {
		t.Fatal("the assistant listened despite a public endpoint")
	}
	if !errors.Is(err, egress.ErrRefused) {
		t.Fatalf("Run(%q) = %v, want the egress refusal", args, err)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q lacks %q", err, w)
		}
	}
	if strings.Contains(err.Error()+logs.String(), "s3cret") {
		t.Error("the database password was printed")
	}
}
