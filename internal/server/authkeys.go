package server

import (
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode"

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
	if err := decodeJSON(r, 16<<10, &req, `with "user", "groups", "name", "expires_at"`); err != nil {
		s.writeError(w, r, err)
		return
	}
	req.User, req.Name = strings.TrimSpace(req.User), strings.TrimSpace(req.Name)
	switch {
	case req.User == "":
		s.writeError(w, r, errorf(CodeInvalid, "\"user\" must name the user the key acts for"))
		return
	case auth.CheckUserName(req.User) != nil:
		s.writeError(w, r, errorf(CodeInvalid, "\"user\": "+auth.CheckUserName(req.User).Error()))
		return
	case len(req.Name) > 200:
		s.writeError(w, r, errorf(CodeInvalid, "\"name\" must be at most 200 characters"))
		return
	case strings.ContainsFunc(req.Name, unicode.IsControl):
		s.writeError(w, r, errorf(CodeInvalid, "\"name\" must not contain control characters"))
		return
	}
	groups := auth.CleanGroups(req.Groups)
	// A key is a standing credential that outlives sessions and skips the
	// identity provider: it must not carry a role (an admin minting an
	// admin or auditor key, for themself or anyone). Roles come from the
	// directory, where they are granted and reviewed.
	for _, g := range groups {
		if slices.Contains(s.roles.Names(), g) {
			s.writeError(w, r, errorf(CodeInvalid, "\"groups\" must not contain the role group \""+g+"\": API keys carry document access only"))
			return
		}
	}
	exp, err := auth.APIKeyExpiry(req.ExpiresAt, time.Now(), s.authn.APIKeyMaxLifetime())
	if err != nil {
		s.writeError(w, r, errorf(CodeInvalid, "\"expires_at\": "+err.Error()))
		return
	}
	key, k := auth.NewAPIKey()
	k.User, k.Groups, k.Name, k.ExpiresAt, k.CreatedBy = req.User, groups, req.Name, &exp, user(r).Name
	k, err = s.store.CreateAPIKey(r.Context(), k)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, r, http.StatusCreated, map[string]any{"key": key, "api_key": newAPIKeyView(k)})
}

// apiKeyView is an API key as the admin page lists it. OnBehalf marks a
// key an admin minted for someone else: it acts as that user, so the list
// shows it apart from keys people hold for themselves (the audit trail
// names both, as actor and subject).
type apiKeyView struct {
	auth.APIKey
	OnBehalf bool `json:"on_behalf"`
}

func newAPIKeyView(k auth.APIKey) apiKeyView {
	return apiKeyView{APIKey: k, OnBehalf: k.CreatedBy != k.User}
}

// listAPIKeys lists every API key, revoked ones too: GET /api/admin/apikeys.
func (s *Server) listAPIKeys(w http.ResponseWriter, r *http.Request) {
	keys, err := s.store.APIKeys(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	views := make([]apiKeyView, len(keys))
	for i, k := range keys {
		views[i] = newAPIKeyView(k)
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"api_keys": views})
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
