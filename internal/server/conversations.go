package server

import (
	"net/http"
	"strconv"

	"github.com/civitas-eu/civitas/internal/store"
)

// pathID parses the {id} path value.
func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, errorf(CodeInvalid, "the id in the path must be a positive number")
	}
	return id, nil
}

// listConversations lists the caller's conversations, most recent first;
// with ?q= only those whose title, questions or answers contain it.
func (s *Server) listConversations(w http.ResponseWriter, r *http.Request) {
	q, err := searchQuery(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var convs []store.Conversation
	if q == "" {
		convs, err = s.store.Conversations(r.Context(), user(r).Name, 100)
	} else {
		convs, err = s.store.SearchConversations(r.Context(), user(r).Name, q, 100)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if convs == nil {
		convs = []store.Conversation{}
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"conversations": convs})
}

// getConversation returns a conversation with its answers; a conversation
// of another user is not found.
func (s *Server) getConversation(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	c, err := s.store.Conversation(r.Context(), id, user(r).Name)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	// Sources of documents the caller may no longer see are redacted
	// (store.AnswersFor); the answers' text is the user's own history.
	answers, err := s.store.AnswersFor(r.Context(), c.ID, user(r).Groups)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if answers == nil {
		answers = []store.Answer{}
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"conversation": c, "answers": answers})
}
