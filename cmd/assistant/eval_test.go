package main

import (
	"context"
	"testing"

	"github.com/civitas-eu/civitas/internal/dbtest"
	"github.com/civitas-eu/civitas/internal/store"
)

// TestEvalMeasuresTheActiveEmbeddingModel: `assistant eval` measures the
// embedding model the assistant serves with — the active one once `models
// use embed` switched it — not the configured one it used to measure, and
// a candidate named with --embed-model when one is.
func TestEvalMeasuresTheActiveEmbeddingModel(t *testing.T) {
	ctx := context.Background()
	st, err := store.New(dbtest.Tx(t))
	if err != nil {
		t.Fatal(err)
	}
	got, err := evalEmbedModel(ctx, st, "configured", "")
	if err != nil || got != "configured" {
		t.Fatalf("before any switch: %q, %v; want the configured model", got, err)
	}
	m, err := st.RegisterEmbeddingModel(ctx, "switched-to", 3, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.SwitchEmbedModel(ctx, m, "admin", "test"); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, candidate, want string }{
		{"after a switch", "", "switched-to"},
		{"a candidate", "candidate", "candidate"},
	}
	for _, tt := range tests {
		got, err := evalEmbedModel(ctx, st, "configured", tt.candidate)
		if err != nil || got != tt.want {
			t.Errorf("%s: %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
}
