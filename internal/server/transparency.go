package server

import (
	"bytes"
	"net/http"

	"github.com/civitas-eu/civitas/internal/insight"
	"github.com/civitas-eu/civitas/internal/web"
)

// transparencyState is what the record tells of this server's settings.
func (s *Server) transparencyState() insight.State {
	return insight.State{Version: s.cfg.Version, PromptVersion: s.cfg.PromptVersion,
		RetentionDays: s.cfg.RetentionDays, RetentionAction: s.cfg.Insight.RetentionAction}
}

// transparency is GET /api/admin/transparency[?format=json|html]: the
// record of this deployment for a public algorithm register, generated
// now from the system's state with the admin's free-text fields. The
// HTML is a standalone page to publish, sent as a download.
func (s *Server) transparency(w http.ResponseWriter, r *http.Request) {
	format := r.URL.Query().Get("format")
	if format != "" && format != "json" && format != "html" {
		s.writeError(w, r, errorf(CodeInvalid, "\"format\" must be json or html"))
		return
	}
	rec, err := s.insight.Record(r.Context(), s.transparencyState())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if format != "html" {
		writeJSON(w, r, http.StatusOK, map[string]any{"record": rec, "field_names": insight.FieldNames()})
		return
	}
	var buf bytes.Buffer
	if err := rec.WriteHTML(&buf); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Disposition", "attachment; filename=\"civitas-transparency.html\"")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(buf.Bytes())
}

type transparencyRequest struct {
	Fields map[string]string `json:"fields"`
}

// setTransparency is PUT /api/admin/transparency: the free-text fields
// (all of them: a field left out is cleared), audited.
func (s *Server) setTransparency(w http.ResponseWriter, r *http.Request) {
	var req transparencyRequest
	if err := decodeAdmin(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if req.Fields == nil {
		s.writeError(w, r, errorf(CodeInvalid, "\"fields\" is required: an object of the record's free-text fields"))
		return
	}
	if _, err := s.insight.SetFields(r.Context(), req.Fields); err != nil {
		s.writeError(w, r, insightError(err))
		return
	}
	rec, err := s.insight.Record(r.Context(), s.transparencyState())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"record": rec, "field_names": insight.FieldNames()})
}

// insightPage is the knowledge managers' review of rated answers and the
// gaps report.
func (s *Server) insightPage(w http.ResponseWriter, r *http.Request) {
	s.renderGroupPage(w, r, s.roles.KnowledgeManager, web.Page{Name: "insight", Title: "Feedback and gaps"})
}

// usagePage is the admins' usage dashboard.
func (s *Server) usagePage(w http.ResponseWriter, r *http.Request) {
	s.renderGroupPage(w, r, s.roles.Admin, web.Page{Name: "usage", Title: "Usage"})
}

// transparencyPage is the admins' transparency record.
func (s *Server) transparencyPage(w http.ResponseWriter, r *http.Request) {
	s.renderGroupPage(w, r, s.roles.Admin, web.Page{Name: "transparency", Title: "Transparency record"})
}
