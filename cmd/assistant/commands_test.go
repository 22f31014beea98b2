package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"strings"
	"testing"

	"github.com/civitas-eu/civitas/internal/config"
)

// TestCommandLineRefusedBeforeStart checks that a command line the
// assistant cannot run as written is refused with a UsageError (exit
// status 2) before anything starts: `assistant nosuchcommand --json` used
// to start the server.
func TestCommandLineRefusedBeforeStart(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown subcommand", []string{"nosuchcommand", "--json"}, `unknown subcommand "nosuchcommand"`},
		{"stray argument after flags", []string{"--log-level", "debug", "serve"}, `unexpected argument "serve"`},
		{"unknown flag", []string{"--no-such-flag"}, "flag provided but not defined"},
		{"subject without a user", []string{"subject", "export"}, "subject: want"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			m := &Main{Stdout: &bytes.Buffer{}, Stderr: &stderr, Getenv: func(string) string { return "" }}
			// A database that does not exist: reaching it would be a start.
			m.Getenv = func(k string) string {
				if k == "CIVITAS_DATABASE_URL" {
					return "postgres://nobody@127.0.0.1:1/none"
				}
				return ""
			}
			err := m.Run(context.Background(), tt.args)
			var ue *config.UsageError
			if !errors.As(err, &ue) {
				t.Fatalf("Run(%q) = %v, want a UsageError", tt.args, err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
		})
	}
}

// TestHelpListsSubcommands checks that `assistant --help` names every
// subcommand next to the settings.
func TestHelpListsSubcommands(t *testing.T) {
	var stderr bytes.Buffer
	m := &Main{Stdout: &bytes.Buffer{}, Stderr: &stderr, Getenv: func(string) string { return "" }}
	if err := m.Run(context.Background(), []string{"--help"}); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("Run(--help) = %v, want flag.ErrHelp", err)
	}
	help := stderr.String()
	for _, c := range m.commands() {
		if !strings.Contains(help, "  "+c.name+" ") {
			t.Errorf("--help does not list subcommand %s:\n%s", c.name, help)
		}
	}
	if !strings.Contains(help, "--database-url") {
		t.Errorf("--help lacks the settings:\n%s", help)
	}
}
