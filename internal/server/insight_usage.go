package server

import (
	"net/http"
	"strconv"
	"time"
)

// maxUsageDays bounds the period of one dashboard.
const maxUsageDays = 366

// usage is GET /api/admin/usage[?from=YYYY-MM-DD&to=YYYY-MM-DD&format=json|csv]:
// the dashboard over [from, to] (days in UTC; default the last 30 days),
// from the answer records, without personal data.
func (s *Server) usage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	today := time.Now().UTC().Truncate(24 * time.Hour)
	from, to := today.AddDate(0, 0, -29), today
	for _, p := range []struct {
		name string
		t    *time.Time
	}{{"from", &from}, {"to", &to}} {
		if v := q.Get(p.name); v != "" {
			d, err := time.Parse(time.DateOnly, v)
			if err != nil {
				s.writeError(w, r, errorf(CodeInvalid, "\""+p.name+"\" must be a date, YYYY-MM-DD"))
				return
			}
			*p.t = d
		}
	}
	switch {
	case to.Before(from):
		s.writeError(w, r, errorf(CodeInvalid, "\"to\" must not be before \"from\""))
		return
	case to.Sub(from) > maxUsageDays*24*time.Hour:
		s.writeError(w, r, errorf(CodeInvalid, "the period from \"from\" to \"to\" is at most "+strconv.Itoa(maxUsageDays)+" days"))
		return
	}
	format := q.Get("format")
	if format != "" && format != "json" && format != "csv" {
		s.writeError(w, r, errorf(CodeInvalid, "\"format\" must be json or csv"))
		return
	}
	u, err := s.insight.Usage(r.Context(), from, to.AddDate(0, 0, 1))
	if err != nil {
		s.writeError(w, r, insightError(err))
		return
	}
	if format != "csv" {
		writeJSON(w, r, http.StatusOK, u)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", "attachment; filename=\"civitas-usage-"+from.Format(time.DateOnly)+"-"+to.Format(time.DateOnly)+".csv\"")
	w.Header().Set("Cache-Control", "no-store")
	if err := u.WriteCSV(w); err != nil {
		s.log.Warn("usage export broken off", "err", err)
	}
}
