package server

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/civitas-eu/civitas/internal/auth"
)

type createAPIKeyRequest struct {
	User      string     `json:"user"`
	Groups    []string   `json:"groups"`
	Name      string     `json:"name"`
	ExpiresAt *time.Time `json:"expires_at"`
}

// createAPIKey issues an API key: POST /api/admin/apikeys
// {"user","groups","name","expires_at"} → 201 {"key","api_key"}. The key
// is in this reply only; the server keeps its hash.
func (s *Server) createAPIKey(w http.ResponseWriter, r *http.Request) {
	var req createAPIKeyRequest
	dec := json.NewDecoder(io.LimitReader(r.Body, 16<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		s.writeError(w, r, errorf(CodeInvalid, "the body must be a JSON object with \"user\", \"groups\", \"name\", \"expires_at\": "+err.Error()))
		return
	}
	req.User, req.Name = strings.TrimSpace(req.User), strings.TrimSpace(req.Name)
	switch {
	case req.User == "":
		s.writeError(w, r, errorf(CodeInvalid, "\"user\" must name the user the key acts for"))
		return
	case len(req.Name) > 200:
		s.writeError(w, r, errorf(CodeInvalid, "\"name\" must be at most 200 characters"))
		return
	}
	if err := auth.ValidExpiry(req.ExpiresAt, time.Now()); err != nil {
		s.writeError(w, r, errorf(CodeInvalid, err.Error()))
		return
	}
	key, k := auth.NewAPIKey()
	k.User, k.Groups, k.Name, k.ExpiresAt, k.CreatedBy = req.User, auth.CleanGroups(req.Groups), req.Name, req.ExpiresAt, user(r).Name
	k, err := s.store.CreateAPIKey(r.Context(), k)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, r, http.StatusCreated, map[string]any{"key": key, "api_key": k})
}

// listAPIKeys lists every API key, revoked ones too: GET /api/admin/apikeys.
func (s *Server) listAPIKeys(w http.ResponseWriter, r *http.Request) {
	keys, err := s.store.APIKeys(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if keys == nil {
		keys = []auth.APIKey{}
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"api_keys": keys})
}

// revokeAPIKey revokes a key at once: DELETE /api/admin/apikeys/{id} → 204.
func (s *Server) revokeAPIKey(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.store.RevokeAPIKey(r.Context(), id, user(r).Name); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
