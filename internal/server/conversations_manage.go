package server

import (
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/civitas-eu/civitas/internal/store"
)

// A user's own conversations: rename, delete, search. Every store call
// names the caller as owner, so another user's conversation is not found,
// exactly as if it did not exist (404, never 403: its existence is not
// told).

// maxSearchQuery bounds the history search term, in characters.
const maxSearchQuery = 200

// conversationRoutes adds the routes of this file, of
// conversations_export.go and of passages.go to mux.
func (s *Server) conversationRoutes(mux *routeTable, authed func(http.HandlerFunc) http.Handler) {
	mux.Handle("PATCH /api/conversations/{id}", authed(s.renameConversation))
	mux.Handle("DELETE /api/conversations/{id}", authed(s.deleteConversation))
	mux.Handle("GET /api/conversations/{id}/export", authed(s.exportConversation))
	mux.Handle("GET /api/conversations/export", authed(s.exportConversations))
	mux.Handle("GET /api/documents/{id}/passages", authed(s.getDocumentPassages))
}

type renameRequest struct {
	Title string `json:"title"`
}

// renameConversation sets the title of one of the caller's conversations.
func (s *Server) renameConversation(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req renameRequest
	if err := decodeJSON(r, 16<<10, &req, `with a "title"`); err != nil {
		s.writeError(w, r, err)
		return
	}
	req.Title = strings.TrimSpace(req.Title)
	switch {
	case req.Title == "":
		s.writeError(w, r, errorf(CodeInvalid, "\"title\" must not be empty"))
		return
	case !utf8.ValidString(req.Title) || strings.ContainsRune(req.Title, 0):
		s.writeError(w, r, errorf(CodeInvalid, "\"title\" must be valid UTF-8 without NUL bytes"))
		return
	case utf8.RuneCountInString(req.Title) > store.MaxTitleLength:
		s.writeError(w, r, errorf(CodeInvalid, fmt.Sprintf("\"title\" is longer than %d characters", store.MaxTitleLength)))
		return
	}
	c, err := s.store.RenameConversation(r.Context(), id, user(r).Name, req.Title)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"conversation": c})
}

// deleteConversation deletes one of the caller's conversations with its
// answers and feedback, audited in the same transaction.
func (s *Server) deleteConversation(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.store.DeleteConversation(r.Context(), id, user(r).Name); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
}

// searchQuery is the ?q= of the conversation list: empty lists them all.
func searchQuery(r *http.Request) (string, error) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if !utf8.ValidString(q) || strings.ContainsRune(q, 0) {
		return "", errorf(CodeInvalid, "\"q\" must be valid UTF-8 without NUL bytes")
	}
	if utf8.RuneCountInString(q) > maxSearchQuery {
		return "", errorf(CodeInvalid, fmt.Sprintf("\"q\" is longer than %d characters", maxSearchQuery))
	}
	return q, nil
}
