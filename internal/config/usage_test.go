package config_test

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/civitas-eu/civitas/internal/config"
)

// TestSecretSettingsRedacted checks that Setting.Secret is honoured where
// settings are shown: the start-up log (built from the settings table) and
// --help never carry a password or key.
func TestSecretSettingsRedacted(t *testing.T) {
	const dbPass, key = "s3cr3t-db", "pseudonym-k3y"
	env := map[string]string{
		"CIVITAS_DATABASE_URL":  "postgres://civitas:" + dbPass + "@db.internal:5432/civitas?sslmode=disable",
		"CIVITAS_PSEUDONYM_KEY": key,
	}
	c, _, err := config.Load("assistant", nil, func(k string) string { return env[k] }, &bytes.Buffer{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	slog.New(slog.NewTextHandler(&log, nil)).Info("start", c.LogAttrs()...)
	got := log.String()
	for _, secret := range []string{dbPass, key} {
		if strings.Contains(got, secret) {
			t.Errorf("start-up log shows a secret %q: %s", secret, got)
		}
	}
	// Every setting of the table is in the log, by its flag name.
	for _, s := range config.For("assistant") {
		if name := strings.ReplaceAll(s.Flag, "-", "_") + "="; !strings.Contains(got, name) {
			t.Errorf("start-up log lacks setting %s", name)
		}
	}
	for _, want := range []string{"database_url=postgres://db.internal:5432/civitas", `pseudonym_key="(set, redacted)"`} {
		if !strings.Contains(got, want) {
			t.Errorf("start-up log lacks %s: %s", want, got)
		}
	}

	var help bytes.Buffer
	_, _, err = config.Load("assistant", []string{"--help"}, nil, &help, nil)
	if err == nil {
		t.Fatal("--help: want flag.ErrHelp")
	}
	if strings.Contains(help.String(), "postgres:postgres@") {
		t.Errorf("--help shows the default database password:\n%s", help.String())
	}
}

// TestLoadRefusesWhatItCannotUse checks that a command line with a stray
// argument, an unknown flag or the other binary's setting is refused with
// a UsageError (exit status 2) naming it, instead of being ignored.
func TestLoadRefusesWhatItCannotUse(t *testing.T) {
	tests := []struct {
		name, program string
		args          []string
		opts          []config.LoadOption
		want          string // "" = accepted
	}{
		{"unknown flag", "assistant", []string{"--json", "x"}, nil, "flag provided but not defined"},
		{"stray word", "assistant", []string{"nosuchcommand"}, nil, `unexpected argument "nosuchcommand"`},
		{"ingest --listen", "ingest", []string{"--listen", ":8080"}, nil, "--listen (CIVITAS_LISTEN) is a setting of assistant, not of ingest"},
		{"ingest --prompts-dir", "ingest", []string{"--prompts-dir", "/tmp"}, nil, "--prompts-dir (CIVITAS_PROMPTS_DIR) is a setting of assistant"},
		{"ingest --chat-model", "ingest", []string{"--chat-model", "x"}, nil, "--chat-model (CIVITAS_CHAT_MODEL) is a setting of assistant"},
		{"ingest takes paths", "ingest", []string{"/srv/docs"}, []config.LoadOption{config.AcceptArgs}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := config.Load(tt.program, tt.args, nil, &bytes.Buffer{}, nil, tt.opts...)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Load: %v", err)
				}
				return
			}
			var ue *config.UsageError
			if !errors.As(err, &ue) {
				t.Fatalf("Load: error %v is no UsageError", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
		})
	}
}
