package insight

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
)

// maxUsageAnswers bounds the answer records one dashboard reads.
const maxUsageAnswers = 200000

// QueueWaitsNote says why the dashboard shows no queue waits: the answer
// records do not hold them (the answer gate only counts waits, in the
// operator's metrics).
const QueueWaitsNote = "not recorded: answer records hold no queue wait; the operator metrics count waiting requests"

// Usage is the admins' dashboard over a period: counts, shares and
// latencies from the answer records, with no user name and no text.
type Usage struct {
	From  time.Time `json:"from"`
	To    time.Time `json:"to"`
	Total Stats     `json:"total"`
	// Days, Collections and Models break the total down; an answer with
	// sources in two collections counts in both, one with none under "".
	Days        []Row  `json:"days"`
	Collections []Row  `json:"collections"`
	Models      []Row  `json:"models"`
	QueueWaits  string `json:"queue_waits"`
	// Truncated: the period held more answers than one dashboard reads.
	Truncated bool `json:"truncated"`
}

// Row is Stats for one day ("2026-12-04"), collection or chat model.
type Row struct {
	Key string `json:"key"`
	Stats
}

// Stats counts answers by outcome and rating, with latency percentiles.
type Stats struct {
	Questions  int `json:"questions"`
	Answered   int `json:"answered"`
	NotCovered int `json:"not_covered"`
	Search     int `json:"search"` // sources only: the chat model was unreachable
	Errors     int `json:"errors"`
	RatedUp    int `json:"rated_up"`
	RatedDown  int `json:"rated_down"`
	// Shares of Questions, from 0 to 1.
	AnsweredShare   float64 `json:"answered_share"`
	NotCoveredShare float64 `json:"not_covered_share"`
	SearchShare     float64 `json:"search_share"`
	ErrorShare      float64 `json:"error_share"`
	FeedbackRate    float64 `json:"feedback_rate"` // rated answers / questions
	// Milliseconds, over the answers that had a first token / finished.
	FirstTokenP50 int `json:"first_token_p50_ms"`
	FirstTokenP95 int `json:"first_token_p95_ms"`
	TotalP50      int `json:"total_p50_ms"`
	TotalP95      int `json:"total_p95_ms"`

	firstTokens, totals []int
}

type usageRecord struct {
	at                time.Time
	mode, chat        string
	firstToken, total int
	failed            bool
	rating            string
	collections       []string
}

func (st *Stats) add(r usageRecord) {
	st.Questions++
	switch {
	case r.mode == "error" || r.failed:
		st.Errors++
	case r.mode == "answer":
		st.Answered++
	case r.mode == "not_covered":
		st.NotCovered++
	case r.mode == "search":
		st.Search++
	}
	switch r.rating {
	case "up":
		st.RatedUp++
	case "down":
		st.RatedDown++
	}
	if r.firstToken > 0 {
		st.firstTokens = append(st.firstTokens, r.firstToken)
	}
	if r.total > 0 {
		st.totals = append(st.totals, r.total)
	}
}

func (st *Stats) finish() {
	if st.Questions > 0 {
		n := float64(st.Questions)
		st.AnsweredShare, st.NotCoveredShare = float64(st.Answered)/n, float64(st.NotCovered)/n
		st.SearchShare, st.ErrorShare = float64(st.Search)/n, float64(st.Errors)/n
		st.FeedbackRate = float64(st.RatedUp+st.RatedDown) / n
	}
	st.FirstTokenP50, st.FirstTokenP95 = percentile(st.firstTokens, 50), percentile(st.firstTokens, 95)
	st.TotalP50, st.TotalP95 = percentile(st.totals, 50), percentile(st.totals, 95)
}

// percentile is the nearest-rank percentile p of xs; 0 for none.
func percentile(xs []int, p int) int {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(xs))
	rank := (p*len(s) + 99) / 100 // ceil(p/100 * n)
	return s[max(rank, 1)-1]
}

// Usage reads the answer records of [from, to) and counts them.
func (s *Service) Usage(ctx context.Context, from, to time.Time) (Usage, error) {
	u := Usage{From: from, To: to, Days: []Row{}, Collections: []Row{}, Models: []Row{}, QueueWaits: QueueWaitsNote}
	if !to.After(from) {
		return u, invalidf("to must be after from")
	}
	rows, err := s.db.Query(ctx, s.q.Get("UsageAnswers"), from, to, maxUsageAnswers+1)
	if err != nil {
		return u, fmt.Errorf("insight: usage: %w", err)
	}
	recs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (usageRecord, error) {
		var x usageRecord
		err := r.Scan(&x.at, &x.mode, &x.chat, &x.firstToken, &x.total, &x.failed, &x.rating, &x.collections)
		return x, err
	})
	if err != nil {
		return u, fmt.Errorf("insight: usage: %w", err)
	}
	if len(recs) > maxUsageAnswers {
		recs, u.Truncated = recs[:maxUsageAnswers], true
	}
	days, cols, models := map[string]*Stats{}, map[string]*Stats{}, map[string]*Stats{}
	bump := func(m map[string]*Stats, k string, r usageRecord) {
		if m[k] == nil {
			m[k] = &Stats{}
		}
		m[k].add(r)
	}
	for _, r := range recs {
		u.Total.add(r)
		bump(days, r.at.UTC().Format(time.DateOnly), r)
		bump(models, r.chat, r)
		if len(r.collections) == 0 {
			bump(cols, "", r)
		}
		for _, c := range r.collections {
			bump(cols, c, r)
		}
	}
	u.Total.finish()
	u.Days, u.Collections, u.Models = statRows(days), statRows(cols), statRows(models)
	return u, nil
}

func statRows(m map[string]*Stats) []Row {
	out := []Row{}
	for k, st := range m {
		st.finish()
		out = append(out, Row{Key: k, Stats: *st})
	}
	slices.SortFunc(out, func(a, b Row) int {
		switch {
		case a.Key < b.Key:
			return -1
		case a.Key > b.Key:
			return 1
		}
		return 0
	})
	return out
}
