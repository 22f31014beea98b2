package server

import (
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/civitas-eu/civitas/internal/store"
)

// Example questions per collection: knowledge managers set them, the chat
// offers them on an empty conversation.

func (s *Server) suggestionRoutes(mux *routeTable, authed func(http.HandlerFunc) http.Handler, member func(string, http.HandlerFunc) http.Handler) {
	mux.Handle("GET /api/suggestions", authed(s.listSuggestions))
	mux.Handle("PUT /api/library/collections/{name}/suggestions", member(s.roles.KnowledgeManager, s.setSuggestions))
}

// listSuggestions returns the example questions of the collections the
// caller may see.
func (s *Server) listSuggestions(w http.ResponseWriter, r *http.Request) {
	list, err := s.store.VisibleSuggestions(r.Context(), user(r).Groups)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if list == nil {
		list = []store.CollectionSuggestions{}
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"suggestions": list})
}

type suggestionsRequest struct {
	Questions []string `json:"questions"`
}

// setSuggestions replaces a collection's example questions (an empty list
// removes them).
func (s *Server) setSuggestions(w http.ResponseWriter, r *http.Request) {
	var req suggestionsRequest
	if err := decodeJSON(r, 16<<10, &req, `with "questions"`); err != nil {
		s.writeError(w, r, err)
		return
	}
	if len(req.Questions) > store.MaxSuggestions {
		s.writeError(w, r, errorf(CodeInvalid, fmt.Sprintf("\"questions\" may hold at most %d questions", store.MaxSuggestions)))
		return
	}
	qs := make([]string, 0, len(req.Questions))
	for i, q := range req.Questions {
		q = strings.TrimSpace(q)
		if q == "" || !utf8.ValidString(q) || strings.ContainsRune(q, 0) || utf8.RuneCountInString(q) > store.MaxSuggestionLength {
			s.writeError(w, r, errorf(CodeInvalid, fmt.Sprintf("\"questions\"[%d] must be 1 to %d characters of text", i, store.MaxSuggestionLength)))
			return
		}
		qs = append(qs, q)
	}
	if err := s.store.SetSuggestions(r.Context(), r.PathValue("name"), qs); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"collection": r.PathValue("name"), "questions": qs})
}
