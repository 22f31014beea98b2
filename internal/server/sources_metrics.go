package server

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// sourcesCollector reports each source's last run at scrape time, from
// the database: syncs run on whichever worker claims them, so no one
// process's counters would tell the whole story.
type sourcesCollector struct{ svc *SourcesService }

var (
	sourceFailedDesc = prometheus.NewDesc("civitas_source_last_run_failed",
		"1 when the source's last sync run failed as a whole (its listing, or the ingest), else 0.", []string{"source"}, nil)
	sourceEntriesDesc = prometheus.NewDesc("civitas_source_last_run_entries",
		"Entries of the source's last sync run by outcome (added, updated, unchanged, removed, failed).", []string{"source", "outcome"}, nil)
	sourceFinishedDesc = prometheus.NewDesc("civitas_source_last_run_finished_timestamp_seconds",
		"When the source's last sync run finished (Unix time).", []string{"source"}, nil)
)

func (c sourcesCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- sourceFailedDesc
	ch <- sourceEntriesDesc
	ch <- sourceFinishedDesc
}

func (c sourcesCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	list, err := c.svc.Engine.Store().List(ctx)
	if err != nil {
		return // the database's own health is on /readyz
	}
	for _, s := range list {
		r := s.LastRun
		if r == nil || r.FinishedAt == nil {
			continue
		}
		failed := 0.0
		if r.Status == "failed" {
			failed = 1
		}
		ch <- prometheus.MustNewConstMetric(sourceFailedDesc, prometheus.GaugeValue, failed, s.Name)
		for outcome, n := range map[string]int{"added": r.Added, "updated": r.Updated, "unchanged": r.Unchanged, "removed": r.Removed, "failed": r.Failed} {
			ch <- prometheus.MustNewConstMetric(sourceEntriesDesc, prometheus.GaugeValue, float64(n), s.Name, outcome)
		}
		ch <- prometheus.MustNewConstMetric(sourceFinishedDesc, prometheus.GaugeValue, float64(r.FinishedAt.Unix()), s.Name)
	}
}
