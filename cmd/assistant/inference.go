package main

import (
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/civitas-eu/civitas/internal/answer"
	"github.com/civitas-eu/civitas/internal/config"
	"github.com/civitas-eu/civitas/internal/fairqueue"
	"github.com/civitas-eu/civitas/internal/rerank"
)

// stages are what the answer service adds around the chat backend: the
// fair queue its generations wait in (--chat-parallel) and the optional
// reranker (--rerank-url), with their Prometheus series.
type stages struct {
	gen        answer.Generator
	reranker   answer.Reranker // nil: off
	collectors []prometheus.Collector
}

// inferenceStages builds the stages around chat from the settings.
func inferenceStages(cfg config.Config, chat fairqueue.Backend, log *slog.Logger) (stages, error) {
	q := fairqueue.New(fairqueue.Config{Name: "chat", Parallel: cfg.Queue.ChatParallel})
	s := stages{gen: fairqueue.Wrap(chat, q), collectors: q.Collectors()}
	log.Info("generation queue", "parallel", cfg.Queue.ChatParallel)
	if cfg.Rerank.URL == nil {
		return s, nil
	}
	rr, err := rerank.New(rerank.Config{URL: cfg.Rerank.URL, Kind: cfg.Rerank.Kind, Model: cfg.Rerank.Model,
		TopN: cfg.Rerank.TopN, APIKey: cfg.Rerank.APIKey})
	if err != nil {
		return s, err
	}
	log.Info("reranking", "url", config.RedactURL(cfg.Rerank.URL.String()), "kind", cfg.Rerank.Kind,
		"model", cfg.Rerank.Model, "top_n", cfg.Rerank.TopN)
	s.reranker = rr
	s.collectors = append(s.collectors, rr.Collectors()...)
	return s, nil
}
