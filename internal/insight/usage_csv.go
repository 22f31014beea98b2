package insight

import (
	"encoding/csv"
	"io"
	"strconv"

	"github.com/civitas-eu/civitas/internal/audit"
)

// WriteCSV writes the dashboard as CSV: one row for the total, then one
// per day, collection and chat model. Keys (collection and model names)
// are neutralised as the audit export's cells are (audit.CSVCell), so a
// spreadsheet does not run one as a formula.
func (u Usage) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	header := []string{"scope", "key", "questions", "answered", "not_covered", "search", "errors",
		"rated_up", "rated_down", "answered_share", "not_covered_share", "search_share", "error_share", "feedback_rate",
		"first_token_p50_ms", "first_token_p95_ms", "total_p50_ms", "total_p95_ms"}
	if err := cw.Write(header); err != nil {
		return err
	}
	write := func(scope, key string, st Stats) error {
		f := func(x float64) string { return strconv.FormatFloat(x, 'f', 4, 64) }
		i := strconv.Itoa
		return cw.Write([]string{scope, audit.CSVCell(key), i(st.Questions), i(st.Answered), i(st.NotCovered), i(st.Search),
			i(st.Errors), i(st.RatedUp), i(st.RatedDown), f(st.AnsweredShare), f(st.NotCoveredShare), f(st.SearchShare),
			f(st.ErrorShare), f(st.FeedbackRate), i(st.FirstTokenP50), i(st.FirstTokenP95), i(st.TotalP50), i(st.TotalP95)})
	}
	if err := write("total", "", u.Total); err != nil {
		return err
	}
	for _, g := range []struct {
		scope string
		rows  []Row
	}{{"day", u.Days}, {"collection", u.Collections}, {"model", u.Models}} {
		for _, r := range g.rows {
			if err := write(g.scope, r.Key, r.Stats); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}
