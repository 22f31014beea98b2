package server

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/civitas-eu/civitas/internal/store"
)

type feedbackRequest struct {
	Rating  string `json:"rating"`
	Comment string `json:"comment"`
}

// postFeedback stores the caller's thumbs up or down, with an optional
// comment, on an answer they asked for; rating again replaces the earlier
// verdict. Another user's answer is not found, exactly as if it did not
// exist.
func (s *Server) postFeedback(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req feedbackRequest
	if err := decodeJSON(r, 16<<10, &req, `with a "rating"`); err != nil {
		s.writeError(w, r, err)
		return
	}
	req.Comment = strings.TrimSpace(req.Comment)
	switch {
	case req.Rating != store.RatingUp && req.Rating != store.RatingDown:
		s.writeError(w, r, errorf(CodeInvalid, "\"rating\" must be \"up\" or \"down\""))
		return
	case !utf8.ValidString(req.Comment):
		s.writeError(w, r, errorf(CodeInvalid, "\"comment\" must be valid UTF-8"))
		return
	case utf8.RuneCountInString(req.Comment) > store.MaxFeedbackComment:
		s.writeError(w, r, errorf(CodeInvalid, fmt.Sprintf("\"comment\" is longer than %d characters", store.MaxFeedbackComment)))
		return
	}
	_, err = s.store.SaveFeedback(r.Context(), store.Feedback{AnswerID: id, User: user(r).Name, Rating: req.Rating, Comment: req.Comment})
	if errors.Is(err, store.ErrNotFound) {
		s.writeError(w, r, errorf(CodeNotFound, "no such answer of yours"))
		return
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
}
