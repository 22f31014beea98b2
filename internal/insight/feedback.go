package insight

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/civitas-eu/civitas/internal/audit"
	"github.com/civitas-eu/civitas/internal/store"
)

// Outcomes of handling a rated answer.
const (
	OutcomeDocumentFixed = "document_fixed"
	OutcomeDocumentAdded = "document_added"
	OutcomeModelError    = "model_error"
	OutcomeOther         = "other"
)

// ActionFeedbackHandled is the audit action of handling a rated answer.
const ActionFeedbackHandled = "feedback.handled"

// Review statuses a listing filters by.
const (
	StatusOpen    = "open"
	StatusHandled = "handled"
)

// MaxNote bounds a review's note (the column's check).
const MaxNote = 2000

// maxReviewed bounds one listing.
const maxReviewed = 500

// FeedbackItem is a rated answer as a knowledge manager reviews it.
type FeedbackItem struct {
	AnswerID  int64           `json:"answer_id"`
	Question  string          `json:"question"`
	Answer    string          `json:"answer"`
	Mode      string          `json:"mode"`
	Sources   json.RawMessage `json:"sources"`
	Citations json.RawMessage `json:"citations"`
	ChatModel string          `json:"chat_model"`
	AskedAt   time.Time       `json:"asked_at"`
	// User is who rated: the pseudonym unless names are shown (the
	// caller fills it, see Review's name).
	User      string     `json:"user"`
	Rating    string     `json:"rating"`
	Comment   string     `json:"comment"`
	RatedAt   time.Time  `json:"rated_at"`
	Outcome   string     `json:"outcome,omitempty"`
	Note      string     `json:"note,omitempty"`
	HandledAt *time.Time `json:"handled_at,omitempty"`
	// Golden: the answer was promoted to a golden question already.
	Golden bool `json:"golden"`
	// Withheld: the answer rests on no document ("not covered"), so
	// nothing ties it to a collection the reviewer manages; its question,
	// answer and comment (another department's words) are left out.
	Withheld bool `json:"withheld"`
}

// ReviewFilter selects rated answers.
type ReviewFilter struct {
	Collection string   // "" all
	Groups     []string // the caller's
	Status     string   // StatusOpen, StatusHandled or "" both
	Rating     string   // store.RatingUp, store.RatingDown or "" both
	AnswerID   int64    // one answer; 0 all
}

// Validate names the field that is wrong.
func (f ReviewFilter) Validate() error {
	switch {
	case f.Status != "" && f.Status != StatusOpen && f.Status != StatusHandled:
		return invalidf("status must be %q, %q or empty", StatusOpen, StatusHandled)
	case f.Rating != "" && f.Rating != store.RatingUp && f.Rating != store.RatingDown:
		return invalidf("rating must be %q, %q or empty", store.RatingUp, store.RatingDown)
	}
	return nil
}

// Review lists rated answers the caller may see, newest rating first.
// name turns the rater's user name into what the reviewer is shown (a
// pseudonym unless names are allowed). Sources whose document the caller
// may not see (or that is gone) keep their number and lose the rest, as
// in the chat's history.
func (s *Service) Review(ctx context.Context, f ReviewFilter, name func(context.Context, string) (string, error)) ([]FeedbackItem, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, s.q.Get("FeedbackReview"), f.Collection, nonNil(f.Groups), f.Status, f.Rating, maxReviewed, f.AnswerID)
	if err != nil {
		return nil, fmt.Errorf("insight: feedback review: %w", err)
	}
	items, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (FeedbackItem, error) {
		var it FeedbackItem
		var src, cit []byte
		err := r.Scan(&it.AnswerID, &it.Question, &it.Answer, &it.Mode, &src, &cit, &it.ChatModel, &it.AskedAt,
			&it.User, &it.Rating, &it.Comment, &it.RatedAt, &it.Outcome, &it.Note, &it.HandledAt, &it.Golden)
		it.Sources, it.Citations = src, cit
		return it, err
	})
	if err != nil {
		return nil, fmt.Errorf("insight: feedback review: %w", err)
	}
	if err := s.redact(ctx, items, f.Groups); err != nil {
		return nil, err
	}
	for i := range items {
		if withhold(items[i].Sources) {
			it := &items[i]
			it.Question, it.Answer, it.Comment, it.Withheld = "", "", "", true
		}
		if items[i].User, err = name(ctx, items[i].User); err != nil {
			return nil, fmt.Errorf("insight: feedback review: name of rater: %w", err)
		}
	}
	return items, nil
}

// withhold reports whether an answer with these sources rests on no
// document: the query lets any reviewer see it, so its texts are left
// out (FeedbackItem.Withheld; the gaps report does the same).
func withhold(sources json.RawMessage) bool {
	var refs []json.RawMessage
	return json.Unmarshal(sources, &refs) != nil || len(refs) == 0
}

// ref is what redaction needs of a stored source or citation.
type ref struct {
	N          int   `json:"n"`
	DocumentID int64 `json:"document_id"`
}

// redact blanks the sources and citations whose documents the caller may
// not see (store.UnavailableSource), keeping their numbers.
func (s *Service) redact(ctx context.Context, items []FeedbackItem, groups []string) error {
	var ids []int64
	for _, it := range items {
		for _, raw := range []json.RawMessage{it.Sources, it.Citations} {
			var refs []ref
			_ = json.Unmarshal(raw, &refs)
			for _, r := range refs {
				ids = append(ids, r.DocumentID)
			}
		}
	}
	seen := map[int64]bool{}
	if len(ids) > 0 {
		rows, err := s.db.Query(ctx, s.q.Get("VisibleDocuments"), ids, nonNil(groups))
		if err != nil {
			return fmt.Errorf("insight: visible sources: %w", err)
		}
		vis, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return fmt.Errorf("insight: visible sources: %w", err)
		}
		for _, id := range vis {
			seen[id] = true
		}
	}
	for i := range items {
		items[i].Sources = redactRefs(items[i].Sources, seen)
		items[i].Citations = redactRefs(items[i].Citations, seen)
	}
	return nil
}

func redactRefs(raw json.RawMessage, seen map[int64]bool) json.RawMessage {
	var entries []map[string]any
	if json.Unmarshal(raw, &entries) != nil {
		return json.RawMessage("[]")
	}
	for i, e := range entries {
		var r ref
		b, _ := json.Marshal(e)
		_ = json.Unmarshal(b, &r)
		if !seen[r.DocumentID] {
			entries[i] = map[string]any{"n": r.N, "title": store.UnavailableSource}
		}
	}
	out, _ := json.Marshal(nonNil(entries))
	return out
}

// Handling is what a knowledge manager did about a rated answer.
type Handling struct {
	AnswerID int64
	Outcome  string // Outcome*
	Note     string
}

// Validate names the field that is wrong.
func (h Handling) Validate() error {
	switch h.Outcome {
	case OutcomeDocumentFixed, OutcomeDocumentAdded, OutcomeModelError, OutcomeOther:
	default:
		return invalidf("outcome must be one of %s, %s, %s, %s", OutcomeDocumentFixed, OutcomeDocumentAdded, OutcomeModelError, OutcomeOther)
	}
	switch {
	case !utf8.ValidString(h.Note) || strings.IndexByte(h.Note, 0) >= 0:
		return invalidf("note contains characters that cannot be stored")
	case utf8.RuneCountInString(h.Note) > MaxNote:
		return invalidf("note is longer than %d characters", MaxNote)
	}
	return nil
}

// Handle marks a rated answer the caller (groups) may review as handled,
// replacing an earlier handling, and records it in the audit trail in the
// same transaction; ErrNotFound for one they may not see or
// that nobody rated. It returns the answer as reviewed now (user name
// unresolved).
func (s *Service) Handle(ctx context.Context, h Handling, groups []string) (FeedbackItem, error) {
	h.Note = strings.TrimSpace(h.Note)
	if err := h.Validate(); err != nil {
		return FeedbackItem{}, err
	}
	keep := func(_ context.Context, u string) (string, error) { return u, nil }
	items, err := s.Review(ctx, ReviewFilter{Groups: groups, AnswerID: h.AnswerID}, keep)
	if err != nil {
		return FeedbackItem{}, err
	}
	if len(items) == 0 {
		return FeedbackItem{}, fmt.Errorf("insight: rated answer %d: %w", h.AnswerID, ErrNotFound)
	}
	it := items[0]
	var at time.Time
	err = pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, s.q.Get("UpsertReview"), h.AnswerID, h.Outcome, h.Note).Scan(&at); err != nil {
			return err
		}
		// The note may name a document or a person: it stays in the
		// review, the trail records what was done.
		_, err := audit.Append(ctx, tx, audit.Event{Action: ActionFeedbackHandled,
			Target: "answer:" + strconv.FormatInt(h.AnswerID, 10), Details: map[string]any{"outcome": h.Outcome}})
		return err
	})
	if err != nil {
		return it, fmt.Errorf("insight: handle answer %d: %w", h.AnswerID, err)
	}
	it.Outcome, it.Note, it.HandledAt = h.Outcome, h.Note, &at
	return it, nil
}
