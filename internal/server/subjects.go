package server

import (
	"errors"
	"net/http"
	"strings"

	"github.com/civitas-eu/civitas/internal/auth"
	"github.com/civitas-eu/civitas/internal/privacy"
)

// Data-subject requests (GDPR art. 15, 17, 20), for administrators: the
// user named in the path is the person whose data is exported or erased.

func subjectName(r *http.Request) (string, error) {
	name := strings.TrimSpace(r.PathValue("user"))
	if name == "" {
		return "", errorf(CodeInvalid, "name the user in the path")
	}
	if err := auth.CheckUserName(name); err != nil {
		return "", errorf(CodeInvalid, "the user in the path: "+err.Error())
	}
	return name, nil
}

// exportSubject returns everything stored about the user as one JSON
// document, and records that it was handed out: a POST, as it appends to
// the audit trail (see exportAudit).
func (s *Server) exportSubject(w http.ResponseWriter, r *http.Request) {
	name, err := subjectName(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ex, err := s.privacy.ExportSubject(r.Context(), name)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Disposition", `attachment; filename="civitas-subject-export.json"`)
	writeJSON(w, r, http.StatusOK, ex)
}

// eraseSubject deletes everything stored about the user; the audit trail
// keeps its events (and verifies) without their personal part, but for
// those on legal hold. An admin cannot erase themselves (403).
func (s *Server) eraseSubject(w http.ResponseWriter, r *http.Request) {
	name, err := subjectName(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	er, err := s.privacy.EraseSubject(r.Context(), name)
	if errors.Is(err, privacy.ErrSelfErasure) {
		err = errorf(CodeForbidden, "you cannot erase your own data: another administrator must do it")
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, r, http.StatusOK, er)
}
