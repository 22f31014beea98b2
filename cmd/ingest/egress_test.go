package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/civitas-eu/civitas/internal/egress"
)

// TestRefusesPublicOllama: ingest, too, stops before sending a document
// anywhere outside the city's network.
func TestRefusesPublicOllama(t *testing.T) {
	var out bytes.Buffer
	env := map[string]string{"CIVITAS_OLLAMA_URL": "http://8.8.8.8:11434"}
	m := &Main{Stdout: &out, Stderr: &out, Getenv: func(k string) string { return env[k] }}
	err := m.Run(context.Background(), []string{t.TempDir()})
	if !errors.Is(err, egress.ErrRefused) || !strings.Contains(err.Error(), "--ollama-url (CIVITAS_OLLAMA_URL)") {
		t.Fatalf("Run = %v, want the egress refusal naming --ollama-url", err)
	}
}
