package server

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/civitas-eu/civitas/internal/audit"
	"github.com/civitas-eu/civitas/internal/eval"
	"github.com/civitas-eu/civitas/internal/store"
)

// Golden questions (store.GoldenQuestion), kept by knowledge managers per
// collection: listed, imported from a QA file in the eval format, added
// one by one or promoted from an answer a user rated helpful, and deleted.
// They guard embedding-model switches (internal/modeladmin, golden.go).

// Audit actions of the golden-question routes. Details name the
// collection and the origin, never the question (a person may have
// written it).
const (
	actionGoldenAdded   = "golden.added"
	actionGoldenDeleted = "golden.deleted"
)

// maxGoldenImport bounds an imported QA file, maxGoldenImportQuestions
// the questions in it: each is a row, an audit event and, at every switch
// of the embedding model, a retrieval.
const (
	maxGoldenImport          = 4 << 20
	maxGoldenImportQuestions = 2000
)

// listGolden is GET /api/library/golden[?collection=name].
func (s *Server) listGolden(w http.ResponseWriter, r *http.Request) {
	collection := r.URL.Query().Get("collection")
	if err := storableText("collection", collection); err != nil {
		s.writeError(w, r, err)
		return
	}
	gs, err := s.store.GoldenQuestionsFor(r.Context(), collection, user(r).Groups)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"questions": gs})
}

type goldenRequest struct {
	Collection string `json:"collection"`
	Question   string `json:"question"`
	File       string `json:"file"`
	Pages      []int  `json:"pages"`
	Quote      string `json:"quote"`
	Answer     string `json:"answer"`
	Language   string `json:"language"`
}

// addGolden is POST /api/library/golden: one question, typed in.
func (s *Server) addGolden(w http.ResponseWriter, r *http.Request) {
	var req goldenRequest
	if err := decodeAdmin(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	g := store.GoldenQuestion{Collection: req.Collection, Question: req.Question, File: req.File, Pages: req.Pages,
		Quote: req.Quote, Answer: req.Answer, Language: req.Language, Origin: store.GoldenManual}
	s.storeGolden(w, r, g)
}

// goldenFromAnswer is POST /api/library/golden/from-answer/{id}: the one
// click that makes a golden question of an answer rated helpful.
func (s *Server) goldenFromAnswer(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	g, err := s.store.GoldenFromAnswer(r.Context(), id, user(r).Groups)
	if errors.Is(err, store.ErrNotFound) {
		s.writeError(w, r, errorf(CodeNotFound, "no answer rated helpful with this id, or its source is gone"))
		return
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.storeGolden(w, r, g)
}

// storeGolden adds g and replies 201 with it, or 200 when the collection
// kept the question already.
func (s *Server) storeGolden(w http.ResponseWriter, r *http.Request, g store.GoldenQuestion) {
	out, added, err := s.addGoldenChecked(r.Context(), g)
	if err != nil {
		s.writeError(w, r, goldenError(err))
		return
	}
	if !added {
		writeJSON(w, r, http.StatusOK, map[string]any{"question": out, "added": false})
		return
	}
	if err := s.auditGolden(r, actionGoldenAdded, out.ID, map[string]any{"collection": out.Collection, "origin": out.Origin}); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.goldenChanged(r)
	writeJSON(w, r, http.StatusCreated, map[string]any{"question": out, "added": true})
}

// goldenChanged queues the learning of the fusion weights from the golden
// questions (internal/modeladmin, fusion_weights.go); a failure to queue is
// logged, not the request's: the weights in force stay until the next
// change.
func (s *Server) goldenChanged(r *http.Request) {
	if s.modelAdmin == nil {
		return
	}
	if err := s.modelAdmin.QueueFusionWeights(r.Context(), user(r).Name); err != nil {
		s.log.Warn("cannot queue the fusion weights' learning", "err", err)
	}
}

// importGolden is POST /api/library/golden/import?collection=name with a
// QA file in the eval format (JSON Lines, shared/data/README.md) as the
// body. Answerable questions are added; unanswerable ones have no gold to
// score, and questions the collection keeps already are left alone.
func (s *Server) importGolden(w http.ResponseWriter, r *http.Request) {
	collection := strings.TrimSpace(r.URL.Query().Get("collection"))
	if collection == "" {
		s.writeError(w, r, errorf(CodeInvalid, "the query parameter \"collection\" is required"))
		return
	}
	if err := storableText("collection", collection); err != nil {
		s.writeError(w, r, err)
		return
	}
	body := http.MaxBytesReader(w, r.Body, maxGoldenImport)
	qs, err := eval.ReadQuestions(bufio.NewReader(body))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			s.writeError(w, r, errorf(CodeInvalid, fmt.Sprintf("the QA file is larger than %d bytes", maxGoldenImport)))
			return
		}
		s.writeError(w, r, errorf(CodeInvalid, "the body must be a QA file in the eval format (JSON Lines): "+
			strings.TrimPrefix(err.Error(), "eval: ")))
		return
	}
	if len(qs) > maxGoldenImportQuestions {
		s.writeError(w, r, errorf(CodeInvalid, fmt.Sprintf("the QA file holds %d questions; import at most %d at a time", len(qs), maxGoldenImportQuestions)))
		return
	}
	var added, kept, skipped int
	for _, q := range qs {
		if !q.Answerable {
			skipped++
			continue
		}
		g := store.GoldenQuestion{Collection: collection, Question: q.Question, File: q.File, Pages: q.Pages,
			Quote: q.Quote, Answer: q.Answer, Language: q.Lang, Origin: store.GoldenImported}
		out, ok, err := s.addGoldenChecked(r.Context(), g)
		if err != nil {
			s.writeError(w, r, goldenError(fmt.Errorf("question %s: %w", q.ID, err)))
			return
		}
		if !ok {
			kept++
			continue
		}
		added++
		if err := s.auditGolden(r, actionGoldenAdded, out.ID, map[string]any{"collection": collection, "origin": out.Origin}); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	if added > 0 {
		s.goldenChanged(r)
	}
	writeJSON(w, r, http.StatusOK, map[string]int{"added": added, "kept": kept, "skipped_unanswerable": skipped})
}

// deleteGolden is DELETE /api/library/golden/{id}.
func (s *Server) deleteGolden(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.store.DeleteGolden(r.Context(), id); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.auditGolden(r, actionGoldenDeleted, id, nil); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.goldenChanged(r)
	w.WriteHeader(http.StatusNoContent)
}

// helpfulAnswers is GET /api/library/golden/candidates: answers rated
// helpful that are not golden questions yet.
func (s *Server) helpfulAnswers(w http.ResponseWriter, r *http.Request) {
	hs, err := s.store.HelpfulAnswers(r.Context(), 100, user(r).Groups)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, r, http.StatusOK, map[string]any{"answers": hs})
}

// addGoldenChecked is store.AddGolden after the checks the store leaves
// to the database: text it can store (storableText) and pages within its
// integer. Either is the client's error, a 400 naming the field, not a
// 500 (the insert's cast) or a 503 (see storableText).
func (s *Server) addGoldenChecked(ctx context.Context, g store.GoldenQuestion) (store.GoldenQuestion, bool, error) {
	for _, f := range []struct{ name, value string }{{"collection", g.Collection}, {"question", g.Question},
		{"file", g.File}, {"quote", g.Quote}, {"answer", g.Answer}, {"language", g.Language}} {
		if err := storableText(f.name, f.value); err != nil {
			return g, false, err
		}
	}
	for _, p := range g.Pages {
		if p > math.MaxInt32 {
			return g, false, fmt.Errorf("%w: pages must be page numbers from 1 to %d", store.ErrInvalidGolden, math.MaxInt32)
		}
	}
	return s.store.AddGolden(ctx, g)
}

// storableText refuses text PostgreSQL cannot store (a NUL byte, invalid
// UTF-8 from a query string) before it reaches the database, naming the
// field: not every driver mode reports it as the client's error (PGlite
// over the simple protocol drops the message as a protocol violation,
// which reads as an outage, a 503).
func storableText(field, v string) error {
	if strings.IndexByte(v, 0) >= 0 || !utf8.ValidString(v) {
		return errorf(CodeInvalid, "\""+field+"\" contains characters that cannot be stored (a NUL byte or invalid UTF-8)")
	}
	return nil
}

// goldenError turns a store refusal into a 4xx naming the field.
func goldenError(err error) error {
	switch {
	case errors.Is(err, store.ErrInvalidGolden):
		msg := err.Error()
		if i := strings.Index(msg, store.ErrInvalidGolden.Error()+": "); i >= 0 {
			msg = msg[i+len(store.ErrInvalidGolden.Error())+2:]
		}
		return errorf(CodeInvalid, "\""+strings.Replace(msg, " ", "\" ", 1))
	case errors.Is(err, store.ErrNotFound):
		return errorf(CodeNotFound, "no such collection")
	}
	return err
}

func (s *Server) auditGolden(r *http.Request, action string, id int64, details map[string]any) error {
	_, err := audit.Append(r.Context(), s.store.DB(), audit.Event{Action: action,
		Target: "golden:" + strconv.FormatInt(id, 10), Details: details})
	return err
}

// goldenRoutes adds the golden-question routes: knowledge managers only
// (the configured group), like the document library.
func (s *Server) goldenRoutes(mux *routeTable, member func(string, http.HandlerFunc) http.Handler) {
	km := func(h http.HandlerFunc) http.Handler {
		return member(s.roles.KnowledgeManager, s.whenEnabled(s.store != nil, "golden questions", h))
	}
	mux.Handle("GET /api/library/golden", km(s.listGolden))
	mux.Handle("POST /api/library/golden", km(s.addGolden))
	mux.Handle("POST /api/library/golden/import", km(s.importGolden))
	mux.Handle("GET /api/library/golden/candidates", km(s.helpfulAnswers))
	mux.Handle("POST /api/library/golden/from-answer/{id}", km(s.goldenFromAnswer))
	mux.Handle("DELETE /api/library/golden/{id}", km(s.deleteGolden))
}

// confirmEmbedModel is POST /api/admin/models/embed/confirm: the admin
// confirms a switch of the embedding model that the golden questions held
// (the new model scored worse); it queues the re-embed that switches
// anyway, and the confirmation is audited.
func (s *Server) confirmEmbedModel(w http.ResponseWriter, r *http.Request) {
	var req nameRequest
	if err := decodeAdmin(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	j, err := s.modelAdmin.ConfirmReembed(r.Context(), req.Name, user(r).Name)
	if err != nil {
		s.writeError(w, r, adminError(err))
		return
	}
	writeJSON(w, r, http.StatusAccepted, map[string]any{"job": j})
}

// checkChatModel is POST /api/admin/models/chat/check: the checks of a
// candidate chat model on the golden questions that need no smart model
// (citations name given sources; no documents, no answer), as pass/fail
// counts.
func (s *Server) checkChatModel(w http.ResponseWriter, r *http.Request) {
	var req nameRequest
	if err := decodeAdmin(r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if strings.TrimSpace(req.Name) == "" {
		s.writeError(w, r, errorf(CodeInvalid, "\"name\" is required: the chat model to check"))
		return
	}
	rep, err := s.chatCheck(r.Context(), req.Name)
	if err != nil {
		s.writeError(w, r, adminError(err))
		return
	}
	writeJSON(w, r, http.StatusOK, rep)
}
