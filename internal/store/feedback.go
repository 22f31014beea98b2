package store

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
)

// Ratings of an answer.
const (
	RatingUp   = "up"
	RatingDown = "down"
)

// MaxFeedbackComment bounds a feedback comment, in characters; the schema
// enforces the same limit.
const MaxFeedbackComment = 2000

// Feedback is one user's verdict on an answer.
type Feedback struct {
	AnswerID  int64     `json:"answer_id"`
	User      string    `json:"user"`
	Rating    string    `json:"rating"` // RatingUp or RatingDown
	Comment   string    `json:"comment"`
	CreatedAt time.Time `json:"created_at"`
}

// ErrInvalidFeedback is returned for a rating other than up or down, or a
// comment longer than MaxFeedbackComment.
var ErrInvalidFeedback = errors.New("invalid feedback")

func scanFeedback(r pgx.Row) (Feedback, error) {
	var f Feedback
	err := r.Scan(&f.AnswerID, &f.User, &f.Rating, &f.Comment, &f.CreatedAt)
	return f, err
}

// SaveFeedback stores f as its user's verdict on answer f.AnswerID,
// replacing an earlier one. Only the user who asked may rate an answer:
// for anybody else, and for an answer that does not exist, it returns
// ErrNotFound.
func (s *Store) SaveFeedback(ctx context.Context, f Feedback) (Feedback, error) {
	if (f.Rating != RatingUp && f.Rating != RatingDown) || utf8.RuneCountInString(f.Comment) > MaxFeedbackComment {
		return f, fmt.Errorf("store: feedback on answer %d: %w", f.AnswerID, ErrInvalidFeedback)
	}
	out, err := scanFeedback(s.db.QueryRow(ctx, s.q("UpsertFeedback"), f.AnswerID, f.User, f.Rating, f.Comment))
	if errors.Is(err, pgx.ErrNoRows) {
		return f, fmt.Errorf("store: feedback on answer %d by %s: %w", f.AnswerID, f.User, ErrNotFound)
	}
	if err != nil {
		return f, fmt.Errorf("store: feedback on answer %d by %s: %w", f.AnswerID, f.User, err)
	}
	return out, nil
}

// FeedbackOf returns user's verdict on an answer, or ErrNotFound when they
// gave none.
func (s *Store) FeedbackOf(ctx context.Context, answerID int64, user string) (Feedback, error) {
	f, err := scanFeedback(s.db.QueryRow(ctx, s.q("GetFeedback"), answerID, user))
	if errors.Is(err, pgx.ErrNoRows) {
		return f, fmt.Errorf("store: feedback on answer %d by %s: %w", answerID, user, ErrNotFound)
	}
	if err != nil {
		return f, fmt.Errorf("store: feedback on answer %d by %s: %w", answerID, user, err)
	}
	return f, nil
}
