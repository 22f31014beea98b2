package server

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/civitas-eu/civitas/internal/insight"
)

// The knowledge managers' review of rated answers and the gaps report
// (internal/insight); the admins' dashboard is in insight_usage.go, the
// metadata change in insight_documents.go, the transparency record in
// transparency.go.

// InsightConfig configures the insight routes.
type InsightConfig struct {
	// ShowNames shows who rated an answer by name; false: by pseudonym.
	ShowNames bool
	// GapDays is the default period of the gaps report.
	GapDays int
	// GapSimilarity, above 0, also merges gaps by the active embedding
	// model's vectors (insight.GapFilter.MinSimilarity).
	GapSimilarity float64
	// RetentionAction is told in the transparency record.
	RetentionAction string
}

// maxGapDays bounds the period of one gaps report.
const maxGapDays = 3650

// insightRoutes adds the routes of internal/insight: knowledge managers
// review and act on their collections, admins see usage and keep the
// transparency record.
func (s *Server) insightRoutes(mux *routeTable, member func(string, http.HandlerFunc) http.Handler) {
	on := func(h http.HandlerFunc) http.HandlerFunc { return s.whenEnabled(s.insight != nil, "insight", h) }
	km := func(h http.HandlerFunc) http.Handler { return member(s.roles.KnowledgeManager, on(h)) }
	admin := func(h http.HandlerFunc) http.Handler { return member(s.roles.Admin, on(h)) }
	mux.Handle("GET /api/library/feedback", km(s.listFeedback))
	mux.Handle("POST /api/library/feedback/{id}/handle", km(s.handleFeedback))
	mux.Handle("GET /api/library/gaps", km(s.listGaps))
	mux.Handle("PATCH /api/library/documents/{id}", km(s.updateDocumentMetadata))
	mux.Handle("GET /api/admin/usage", admin(s.usage))
	mux.Handle("GET /api/admin/transparency", admin(s.transparency))
	mux.Handle("PUT /api/admin/transparency", admin(s.setTransparency))
	mux.Handle("GET /insight", s.authenticate(http.HandlerFunc(s.insightPage)))
	mux.Handle("GET /usage", s.authenticate(http.HandlerFunc(s.usagePage)))
	mux.Handle("GET /transparency", s.authenticate(http.HandlerFunc(s.transparencyPage)))
}

// listFeedback is GET /api/library/feedback[?collection=&status=&rating=]:
// rated answers the caller may see, raters by pseudonym unless names are
// allowed.
func (s *Server) listFeedback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := insight.ReviewFilter{Collection: q.Get("collection"), Status: q.Get("status"), Rating: q.Get("rating"), Groups: user(r).Groups}
	for name, v := range map[string]string{"collection": f.Collection, "status": f.Status, "rating": f.Rating} {
		if err := storableText(name, v); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	items, err := s.insight.Review(r.Context(), f, s.raterName)
	if err != nil {
		s.writeError(w, r, insightError(err))
		return
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"answers": items, "names_shown": s.cfg.Insight.ShowNames})
}

// raterName is what a knowledge manager is shown of a rater: the name
// when the setting allows it, else the keyed pseudonym retention uses
// (internal/privacy), which says nothing without the key.
func (s *Server) raterName(ctx context.Context, name string) (string, error) {
	switch {
	case s.cfg.Insight.ShowNames:
		return name, nil
	case strings.HasPrefix(name, "pseud-"): // pseudonymised by retention already
		return name, nil
	case s.privacy != nil:
		return s.privacy.Pseudonym(ctx, name)
	}
	return "", nil
}

type handleRequest struct {
	Outcome string `json:"outcome"`
	Note    string `json:"note"`
}

// handleFeedback is POST /api/library/feedback/{id}/handle.
func (s *Server) handleFeedback(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req handleRequest
	if err := decodeAdmin(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	it, err := s.insight.Handle(r.Context(), insight.Handling{AnswerID: id, Outcome: req.Outcome, Note: req.Note}, user(r).Groups)
	if err != nil {
		s.writeError(w, r, insightError(err))
		return
	}
	if it.User, err = s.raterName(r.Context(), it.User); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"answer": it})
}

// listGaps is GET /api/library/gaps[?collection=&days=]: questions the
// documents did not answer, clustered by subject.
func (s *Server) listGaps(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	days := s.cfg.Insight.GapDays
	if days <= 0 {
		days = 30
	}
	if v := q.Get("days"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxGapDays {
			s.writeError(w, r, errorf(CodeInvalid, "\"days\" must be a number of days from 1 to "+strconv.Itoa(maxGapDays)))
			return
		}
		days = n
	}
	collection := q.Get("collection")
	if err := storableText("collection", collection); err != nil {
		s.writeError(w, r, err)
		return
	}
	since := time.Now().AddDate(0, 0, -days)
	f := insight.GapFilter{Collection: collection, Groups: user(r).Groups, Since: since}
	if e, ok := s.models.(embedder); ok && s.cfg.Insight.GapSimilarity > 0 {
		_, model := s.activeModels()
		f.Embed = func(ctx context.Context, texts []string) ([][]float32, error) { return e.Embed(ctx, model, texts) }
		f.MinSimilarity = s.cfg.Insight.GapSimilarity
	}
	gaps, err := s.insight.Gaps(r.Context(), f)
	if err != nil {
		s.writeError(w, r, insightError(err))
		return
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"since": since.UTC(), "days": days, "gaps": gaps})
}

// embedder is the model backend's embedding call (*ollama.Client has
// it), which the gaps report uses to merge questions by meaning.
type embedder interface {
	Embed(ctx context.Context, model string, texts []string) ([][]float32, error)
}

// insightError turns an insight refusal into a 4xx with its message.
func insightError(err error) error {
	msg := func(sentinel error) string {
		m := err.Error()
		if i := strings.Index(m, sentinel.Error()+": "); i >= 0 {
			return m[i+len(sentinel.Error())+2:]
		}
		return m
	}
	switch {
	case errors.Is(err, insight.ErrInvalid):
		return errorf(CodeInvalid, msg(insight.ErrInvalid))
	case errors.Is(err, insight.ErrForbidden):
		return errorf(CodeForbidden, msg(insight.ErrForbidden))
	case errors.Is(err, insight.ErrNotFound):
		return errorf(CodeNotFound, "not found, or not visible to you")
	}
	return err
}
