package server

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/civitas-eu/civitas/internal/audit"
)

// auditFilter reads from, to, actor and action, from the query or, for
// the export (a POST), also from a form-encoded body. Times are RFC 3339
// or dates; a date as "to" includes that whole day.
func auditFilter(r *http.Request) (audit.Filter, error) {
	if err := r.ParseForm(); err != nil {
		return audit.Filter{}, errorf(CodeInvalid, "the search must be form-encoded (from, to, actor, action, format)")
	}
	q := r.Form
	f := audit.Filter{Actor: q.Get("actor"), Action: q.Get("action")}
	for _, p := range []struct {
		name string
		dst  *time.Time
		end  bool
	}{{"from", &f.From, false}, {"to", &f.To, true}} {
		t, err := audit.ParseTime(q.Get(p.name), p.end)
		if err != nil {
			return f, errorf(CodeInvalid, fmt.Sprintf("%q must be an RFC 3339 time or a date (YYYY-MM-DD)", p.name))
		}
		*p.dst = t
	}
	return f, nil
}

type auditPage struct {
	Events     []audit.Entry `json:"events"`
	NextCursor string        `json:"next_cursor"` // "" on the last page
}

// listAudit pages through the trail, newest first.
func (s *Server) listAudit(w http.ResponseWriter, r *http.Request) {
	f, err := auditFilter(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	limit, cursor := 100, int64(0)
	if v := r.URL.Query().Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > audit.MaxPage {
			s.writeError(w, r, errorf(CodeInvalid, fmt.Sprintf("\"limit\" must be between 1 and %d", audit.MaxPage)))
			return
		}
	}
	if v := r.URL.Query().Get("cursor"); v != "" {
		if cursor, err = strconv.ParseInt(v, 10, 64); err != nil || cursor < 1 {
			s.writeError(w, r, errorf(CodeInvalid, "\"cursor\" must be the next_cursor of a previous page"))
			return
		}
	}
	recs, err := audit.Search(r.Context(), s.auditDB, f, cursor, limit)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	page := auditPage{Events: make([]audit.Entry, len(recs))}
	for i, rec := range recs {
		page.Events[i] = audit.EntryOf(rec)
	}
	if len(recs) == limit && recs[len(recs)-1].ID > 1 {
		page.NextCursor = strconv.FormatInt(recs[len(recs)-1].ID, 10)
	}
	writeJSON(w, r, http.StatusOK, page)
}

// exportAudit streams the matching rows, oldest first, as CSV or as a
// JSON array, a page at a time. Once streaming has begun a failure can
// only cut the export short; it is logged, and the export is not recorded
// as complete. It is a POST, not a GET: it appends to the trail, and only
// state-changing methods pass the cross-origin guard, so that another
// site cannot make an auditor's browser export (and write events).
func (s *Server) exportAudit(w http.ResponseWriter, r *http.Request) {
	f, err := auditFilter(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	format := r.Form.Get("format")
	if format == "" {
		format = "json"
	}
	if format != "json" && format != "csv" {
		s.writeError(w, r, errorf(CodeInvalid, "\"format\" must be csv or json"))
		return
	}
	ctx := r.Context()
	name := "civitas-audit-" + time.Now().UTC().Format("20060102T150405Z") + "." + format
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Type", map[string]string{"csv": "text/csv; charset=utf-8", "json": "application/json; charset=utf-8"}[format])
	n, err := audit.Export(ctx, s.auditDB, w, f, format)
	if err != nil {
		s.log.Error("audit export cut short", "rows", n, "err", err)
		return
	}
	// Reading the trail in bulk is itself an auditable act.
	if _, err := audit.Append(ctx, s.auditDB, audit.ExportedEvent(f, format, n, "")); err != nil {
		s.log.Error("could not record the audit export", "err", err)
	}
}

// verifyAudit checks the whole chain; ok is false and first_bad names
// the first row that does not hold when it was tampered with.
func (s *Server) verifyAudit(w http.ResponseWriter, r *http.Request) {
	res, err := audit.Verify(r.Context(), s.auditDB)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, r, http.StatusOK, res)
}
