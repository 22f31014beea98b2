package main

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/civitas-eu/civitas/internal/config"
	"github.com/civitas-eu/civitas/internal/fairqueue"
	"github.com/civitas-eu/civitas/internal/ollama"
	"github.com/civitas-eu/civitas/internal/rerank/reranktest"
)

type nullChat struct{}

func (nullChat) ChatStream(context.Context, string, []ollama.Message, ollama.ChatOptions, func(string) error) (ollama.ChatStats, error) {
	return ollama.ChatStats{}, nil
}
func (nullChat) Show(context.Context, string) (ollama.ModelInfo, error) {
	return ollama.ModelInfo{}, nil
}

// TestInferenceStagesFollowSettings: by default generations go through a
// fair queue and nothing reranks; --rerank-url adds the reranker and its
// series.
func TestInferenceStagesFollowSettings(t *testing.T) {
	t.Parallel()
	log := slog.New(slog.DiscardHandler)
	load := func(args ...string) config.Config {
		t.Helper()
		cfg, _, err := config.Load("assistant", args, func(string) string { return "" }, io.Discard, nil)
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	s, err := inferenceStages(load(), nullChat{}, log)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.gen.(*fairqueue.Generator); !ok || s.reranker != nil || len(s.collectors) != 3 {
		t.Errorf("default stages: %T, reranker %v, %d collectors", s.gen, s.reranker, len(s.collectors))
	}
	srv := reranktest.Start(t, "v1", func(string, string) float64 { return 0 })
	s, err = inferenceStages(load("--rerank-url="+srv.URL.String(), "--rerank-kind=v1", "--rerank-model=m"), nullChat{}, log)
	if err != nil {
		t.Fatal(err)
	}
	if s.reranker == nil || s.reranker.Name() != "v1:m" || len(s.collectors) != 5 {
		t.Errorf("reranking stages: reranker %v, %d collectors", s.reranker, len(s.collectors))
	}
}
