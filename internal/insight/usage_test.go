package insight_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// TestDashboardCountsEqualAnswerRecords: the dashboard's counts over a
// period equal what the answer records say, counted in SQL; latencies
// are nearest-rank percentiles; the CSV export neutralises a collection
// name a spreadsheet would run as a formula.
func TestDashboardCountsEqualAnswerRecords(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	doc := w.document(t, "=HYPERLINK(1)", "/d.txt", nil, "text")
	day := time.Date(2026, 10, 5, 9, 0, 0, 0, time.UTC)
	for i, o := range []answerOpts{
		{mode: "answer", docs: []int64{doc}, cited: true, firstMS: 100, totalMS: 1000},
		{mode: "answer", docs: []int64{doc}, cited: true, firstMS: 200, totalMS: 2000, chat: "chat-b"},
		{mode: "not_covered", totalMS: 50},
		{mode: "search", docs: []int64{doc}, totalMS: 300},
		{mode: "error"},
	} {
		o.at = day.Add(time.Duration(i) * 13 * time.Hour)
		id := w.answer(t, "q", o)
		if i == 0 {
			w.rate(t, id, "up", "")
		}
		if i == 2 {
			w.rate(t, id, "down", "")
		}
	}
	w.answer(t, "outside the period", answerOpts{at: day.AddDate(0, 1, 0)})

	from, to := day.Add(-time.Hour), day.AddDate(0, 0, 7)
	u, err := w.svc.Usage(ctx, from, to)
	if err != nil {
		t.Fatal(err)
	}
	var total, answered, notCovered, search, errs, up, down int
	if err := w.tx.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE mode = 'answer'), count(*) FILTER (WHERE mode = 'not_covered'),
		count(*) FILTER (WHERE mode = 'search'), count(*) FILTER (WHERE mode = 'error'),
		(SELECT count(*) FROM answer_feedback f JOIN answers b ON b.id = f.answer_id WHERE f.rating = 'up' AND b.created_at >= $1 AND b.created_at < $2),
		(SELECT count(*) FROM answer_feedback f JOIN answers b ON b.id = f.answer_id WHERE f.rating = 'down' AND b.created_at >= $1 AND b.created_at < $2)
		FROM answers WHERE created_at >= $1 AND created_at < $2`, from, to).
		Scan(&total, &answered, &notCovered, &search, &errs, &up, &down); err != nil {
		t.Fatal(err)
	}
	got := u.Total
	if got.Questions != total || got.Answered != answered || got.NotCovered != notCovered || got.Search != search ||
		got.Errors != errs || got.RatedUp != up || got.RatedDown != down || total != 5 {
		t.Errorf("dashboard total %+v, records: %d questions, %d answered, %d not covered, %d search, %d errors, %d up, %d down",
			got, total, answered, notCovered, search, errs, up, down)
	}
	if got.FirstTokenP50 != 100 || got.FirstTokenP95 != 200 || got.TotalP50 != 300 || got.TotalP95 != 2000 {
		t.Errorf("latencies: %+v", got)
	}
	if got.AnsweredShare != 0.4 || got.FeedbackRate != 0.4 {
		t.Errorf("shares: answered %v, feedback %v", got.AnsweredShare, got.FeedbackRate)
	}
	if len(u.Days) != 3 || len(u.Models) != 2 || len(u.Collections) != 2 || u.QueueWaits == "" {
		t.Errorf("breakdowns: days %d, models %d, collections %+v, queue waits %q", len(u.Days), len(u.Models), u.Collections, u.QueueWaits)
	}
	var buf bytes.Buffer
	if err := u.WriteCSV(&buf); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "collection,'=HYPERLINK(1),3,") || strings.Contains(buf.String(), ",=HYPERLINK") {
		t.Errorf("CSV:\n%s", buf.String())
	}
}
