package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
)

// Origins of a golden question.
const (
	GoldenImported = "import" // from a QA file in the eval format
	GoldenAnswer   = "answer" // promoted from an answer rated helpful
	GoldenManual   = "manual"
)

// Limits of a golden question's fields, in characters; the schema
// enforces the same.
const (
	MaxGoldenText   = 2000 // question, file, quote
	MaxGoldenAnswer = 4000
)

// GoldenQuestion is a question with a known answer that a knowledge
// manager keeps for a collection: where the answer is (File, Pages,
// Quote, as in the eval format) lets a model switch be scored on it.
type GoldenQuestion struct {
	ID         int64     `json:"id"`
	Collection string    `json:"collection"`
	Question   string    `json:"question"`
	File       string    `json:"file"`
	Pages      []int     `json:"pages"`
	Quote      string    `json:"quote"`
	Answer     string    `json:"answer"`
	Language   string    `json:"language"`
	Origin     string    `json:"origin"`
	AnswerID   *int64    `json:"answer_id,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
}

// ErrInvalidGolden is returned for a golden question without a question
// or a file, or with a field over its limit; the message names the field.
var ErrInvalidGolden = errors.New("invalid golden question")

// Validate checks g's fields, naming the first bad one.
func (g GoldenQuestion) Validate() error {
	bad := func(field, why string) error { return fmt.Errorf("%w: %s %s", ErrInvalidGolden, field, why) }
	switch {
	case strings.TrimSpace(g.Collection) == "":
		return bad("collection", "is required")
	case strings.TrimSpace(g.Question) == "":
		return bad("question", "is required")
	case strings.TrimSpace(g.File) == "":
		return bad("file", "is required (the expected source)")
	case utf8.RuneCountInString(g.Question) > MaxGoldenText:
		return bad("question", "is too long")
	case utf8.RuneCountInString(g.File) > MaxGoldenText:
		return bad("file", "is too long")
	case utf8.RuneCountInString(g.Quote) > MaxGoldenText:
		return bad("quote", "is too long")
	case utf8.RuneCountInString(g.Answer) > MaxGoldenAnswer:
		return bad("answer", "is too long")
	}
	for _, p := range g.Pages {
		if p < 1 {
			return bad("pages", "must be 1-based page numbers")
		}
	}
	if len(g.Pages) == 0 && strings.TrimSpace(g.Quote) == "" {
		return bad("pages", "or quote is required: one of them says where the answer is")
	}
	return nil
}

func scanGolden(r pgx.CollectableRow) (GoldenQuestion, error) {
	var g GoldenQuestion
	err := r.Scan(&g.ID, &g.Collection, &g.Question, &g.File, &g.Pages, &g.Quote, &g.Answer, &g.Language,
		&g.Origin, &g.AnswerID, &g.CreatedAt)
	return g, err
}

// GoldenQuestions lists every golden question of a collection ("" for
// all), by collection and age: what the switch guard scores.
func (s *Store) GoldenQuestions(ctx context.Context, collection string) ([]GoldenQuestion, error) {
	return s.goldenQuestions(ctx, collection, nil)
}

// GoldenQuestionsFor is GoldenQuestions as a caller in groups may see
// them: without those whose gold file is a document restricted to other
// groups (their quote and answer come from it).
func (s *Store) GoldenQuestionsFor(ctx context.Context, collection string, groups []string) ([]GoldenQuestion, error) {
	return s.goldenQuestions(ctx, collection, nonNil(groups))
}

// goldenQuestions: groups nil lists every question.
func (s *Store) goldenQuestions(ctx context.Context, collection string, groups []string) ([]GoldenQuestion, error) {
	rows, err := s.db.Query(ctx, s.q("ListGolden"), collection, groups)
	if err != nil {
		return nil, fmt.Errorf("store: golden questions: %w", err)
	}
	out, err := pgx.CollectRows(rows, scanGolden)
	if err != nil {
		return nil, fmt.Errorf("store: golden questions: %w", err)
	}
	if out == nil {
		out = []GoldenQuestion{}
	}
	return out, nil
}

// AddGolden stores g and returns it with its id. A question the collection
// keeps already is not stored twice: added is false then. The collection
// must exist (ErrNotFound).
func (s *Store) AddGolden(ctx context.Context, g GoldenQuestion) (out GoldenQuestion, added bool, err error) {
	if err := g.Validate(); err != nil {
		return g, false, err
	}
	exists, err := s.collectionExists(ctx, g.Collection)
	if err != nil {
		return g, false, err
	}
	if !exists {
		return g, false, fmt.Errorf("store: collection %q: %w", g.Collection, ErrNotFound)
	}
	g.Pages = nonNil(g.Pages)
	err = s.db.QueryRow(ctx, s.q("InsertGolden"), g.Collection, strings.TrimSpace(g.Question), g.File, g.Pages,
		g.Quote, g.Answer, g.Language, g.Origin, g.AnswerID).Scan(&g.ID, &g.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return g, false, nil
	}
	if err != nil {
		return g, false, fmt.Errorf("store: add golden question: %w", err)
	}
	return g, true, nil
}

func (s *Store) collectionExists(ctx context.Context, name string) (bool, error) {
	var ok bool
	err := s.db.QueryRow(ctx, s.q("CollectionExists"), name).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("store: collection %q: %w", name, err)
	}
	return ok, nil
}

// DeleteGolden removes a golden question; ErrNotFound when there is none.
func (s *Store) DeleteGolden(ctx context.Context, id int64) error {
	err := s.db.QueryRow(ctx, s.q("DeleteGolden"), id).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("store: golden question %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("store: delete golden question %d: %w", id, err)
	}
	return nil
}

// HelpfulAnswer is an answer a user rated helpful, as a candidate golden
// question: its question, answer and the source its answer rests on (the
// first one cited, else the first one given). Who asked is not part of it.
type HelpfulAnswer struct {
	ID       int64     `json:"id"`
	Question string    `json:"question"`
	Answer   string    `json:"answer"`
	Title    string    `json:"title"`
	Document int64     `json:"document_id"`
	Pages    []int     `json:"pages"`
	RatedAt  time.Time `json:"rated_at"`
}

// answerSource is what of an answer's stored sources (answer.Source) a
// golden question needs.
type answerSource struct {
	N          int    `json:"n"`
	DocumentID int64  `json:"document_id"`
	Title      string `json:"title"`
	PageStart  int    `json:"page_start"`
	PageEnd    int    `json:"page_end"`
}

func scanHelpful(r pgx.CollectableRow) (HelpfulAnswer, error) {
	var h HelpfulAnswer
	var sources, citations []byte
	if err := r.Scan(&h.ID, &h.Question, &h.Answer, &sources, &citations, &h.RatedAt); err != nil {
		return h, err
	}
	var srcs []answerSource
	var cits []struct {
		N int `json:"n"`
	}
	if err := json.Unmarshal(sources, &srcs); err != nil || len(srcs) == 0 {
		return h, fmt.Errorf("answer %d: no readable sources", h.ID)
	}
	_ = json.Unmarshal(citations, &cits) // none cited: the first source
	src := srcs[0]
	for _, c := range cits {
		if i := c.N - 1; i >= 0 && i < len(srcs) {
			src = srcs[i]
			break
		}
	}
	h.Title, h.Document, h.Pages = src.Title, src.DocumentID, []int{}
	for p := src.PageStart; p > 0 && p <= max(src.PageEnd, src.PageStart); p++ {
		h.Pages = append(h.Pages, p)
	}
	return h, nil
}

// HelpfulAnswers lists up to limit answers rated helpful that are not
// golden questions yet and whose sources a caller in groups may see, most
// recently rated first.
func (s *Store) HelpfulAnswers(ctx context.Context, limit int, groups []string) ([]HelpfulAnswer, error) {
	rows, err := s.db.Query(ctx, s.q("HelpfulAnswers"), limit, nonNil(groups))
	if err != nil {
		return nil, fmt.Errorf("store: helpful answers: %w", err)
	}
	out, err := pgx.CollectRows(rows, scanHelpful)
	if err != nil {
		return nil, fmt.Errorf("store: helpful answers: %w", err)
	}
	if out == nil {
		out = []HelpfulAnswer{}
	}
	return out, nil
}

// GoldenFromAnswer makes a golden question of an answer rated helpful: its
// question, with the document and pages of the source it rests on as the
// gold, in that document's collection. The quote is the start of the
// cited passage when the document has no pages. ErrNotFound when the
// answer does not exist, nobody rated it helpful, or a caller in groups
// may not see all its sources.
func (s *Store) GoldenFromAnswer(ctx context.Context, answerID int64, groups []string) (GoldenQuestion, error) {
	rows, err := s.db.Query(ctx, s.q("HelpfulAnswer"), answerID, nonNil(groups))
	if err != nil {
		return GoldenQuestion{}, fmt.Errorf("store: answer %d: %w", answerID, err)
	}
	h, err := pgx.CollectExactlyOneRow(rows, scanHelpful)
	if errors.Is(err, pgx.ErrNoRows) {
		return GoldenQuestion{}, fmt.Errorf("store: helpful answer %d: %w", answerID, ErrNotFound)
	}
	if err != nil {
		return GoldenQuestion{}, fmt.Errorf("store: answer %d: %w", answerID, err)
	}
	g := GoldenQuestion{Question: h.Question, Pages: h.Pages, Origin: GoldenAnswer, AnswerID: &h.ID}
	if utf8.RuneCountInString(h.Answer) <= MaxGoldenAnswer {
		g.Answer = h.Answer
	}
	err = s.db.QueryRow(ctx, s.q("DocumentCollection"), h.Document).Scan(&g.Collection, &g.File)
	if errors.Is(err, pgx.ErrNoRows) {
		return g, fmt.Errorf("store: the source of answer %d is gone: %w", answerID, ErrNotFound)
	}
	if err != nil {
		return g, fmt.Errorf("store: answer %d: %w", answerID, err)
	}
	if len(g.Pages) == 0 {
		g.Quote, err = s.goldSnippet(ctx, answerID)
		if err != nil {
			return g, err
		}
	}
	return g, nil
}

// goldSnippet is, for a document without pages, a verbatim piece
// of the passage the answer cites first, as the gold quote: the stored
// snippet's start, short enough to lie within the chunk.
func (s *Store) goldSnippet(ctx context.Context, answerID int64) (string, error) {
	var snippet string
	err := s.db.QueryRow(ctx, s.q("AnswerGoldSnippet"), answerID).Scan(&snippet)
	if err != nil {
		return "", fmt.Errorf("store: snippet of answer %d: %w", answerID, err)
	}
	rs := []rune(strings.Join(strings.Fields(strings.TrimSuffix(snippet, "…")), " "))
	return string(rs[:min(len(rs), 120)]), nil
}

// AllAccessGroups returns every access group of a current document.
func (s *Store) AllAccessGroups(ctx context.Context) ([]string, error) {
	var out []string
	if err := s.db.QueryRow(ctx, s.q("AllAccessGroups")).Scan(&out); err != nil {
		return nil, fmt.Errorf("store: access groups: %w", err)
	}
	return out, nil
}
