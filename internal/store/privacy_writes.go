package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// The methods of this file make the changes that retention and data-subject
// erasure (internal/privacy) need in the store's tables. Each takes the
// caller's transaction as tx, so that a retention run or an erasure,
// which also touch the audit trail and the job queue, stays one unit of
// work: all of it or nothing.

// Pseudonymised counts what PseudonymiseRecords changed.
type Pseudonymised struct {
	AnswerIDs     []int64 // answer records now naming the pseudonym
	Conversations int64
	Feedback      int64
}

// PseudonymiseRecords gives the answer records and conversations of user
// last touched before cutoff the name pseud and removes their texts
// (question, answer, title); feedback on those answers follows them.
func (s *Store) PseudonymiseRecords(ctx context.Context, tx DB, user, pseud string, cutoff time.Time) (Pseudonymised, error) {
	var res Pseudonymised
	rows, err := tx.Query(ctx, s.q("PseudonymiseAnswers"), user, pseud, cutoff)
	if err != nil {
		return res, fmt.Errorf("store: pseudonymise answers: %w", err)
	}
	if res.AnswerIDs, err = pgx.CollectRows(rows, pgx.RowTo[int64]); err != nil {
		return res, fmt.Errorf("store: pseudonymise answers: %w", err)
	}
	tag, err := tx.Exec(ctx, s.q("PseudonymiseConversations"), user, pseud, cutoff)
	if err != nil {
		return res, fmt.Errorf("store: pseudonymise conversations: %w", err)
	}
	res.Conversations = tag.RowsAffected()
	if tag, err = tx.Exec(ctx, s.q("PseudonymiseFeedback"), user, pseud); err != nil {
		return res, fmt.Errorf("store: pseudonymise feedback: %w", err)
	}
	res.Feedback = tag.RowsAffected()
	return res, nil
}

// DeleteRecordsBefore deletes the answer records created and the
// conversations last updated before cutoff, and returns the ids of the
// answers and the number of conversations it deleted. Answers go first,
// so that every answer removed is counted, also those that would go with
// their conversation.
func (s *Store) DeleteRecordsBefore(ctx context.Context, tx DB, cutoff time.Time) (answerIDs []int64, conversations int64, err error) {
	rows, err := tx.Query(ctx, s.q("DeleteOldAnswers"), cutoff)
	if err != nil {
		return nil, 0, fmt.Errorf("store: delete answers before %s: %w", cutoff, err)
	}
	if answerIDs, err = pgx.CollectRows(rows, pgx.RowTo[int64]); err != nil {
		return nil, 0, fmt.Errorf("store: delete answers before %s: %w", cutoff, err)
	}
	tag, err := tx.Exec(ctx, s.q("DeleteOldConversations"), cutoff)
	if err != nil {
		return nil, 0, fmt.Errorf("store: delete conversations before %s: %w", cutoff, err)
	}
	return answerIDs, tag.RowsAffected(), nil
}

// Erased counts what EraseUser removed or changed.
type Erased struct {
	Feedback, Answers, Conversations, Sessions, APIKeys int64
	// Rows kept but now naming the user by pseudonym.
	ModelChanges, ActiveModels int64
}

// EraseUser deletes the feedback, answer records, conversations, browser
// sessions and API keys of user, under their name or their pseudonym
// pseud (rows pseudonymised by retention), and makes the API keys they
// issued or revoked and the model changes they made name them by pseud.
func (s *Store) EraseUser(ctx context.Context, tx DB, user, pseud string) (Erased, error) {
	var er Erased
	names := []string{user, pseud}
	for _, x := range []struct {
		query, what string
		n           *int64
	}{
		{"EraseFeedback", "feedback", &er.Feedback},
		{"EraseAnswers", "answers", &er.Answers},
		{"EraseConversations", "conversations", &er.Conversations},
		{"EraseSessions", "sessions", &er.Sessions},
		{"EraseAPIKeys", "API keys", &er.APIKeys},
	} {
		tag, err := tx.Exec(ctx, s.q(x.query), names)
		if err != nil {
			return er, fmt.Errorf("store: erase %s: %w", x.what, err)
		}
		*x.n = tag.RowsAffected()
	}
	if _, err := tx.Exec(ctx, s.q("PseudonymiseKeyAdmins"), names, pseud); err != nil {
		return er, fmt.Errorf("store: pseudonymise the issuer of API keys: %w", err)
	}
	for _, x := range []struct {
		query, what string
		n           *int64
	}{
		{"PseudonymiseModelChanges", "model changes", &er.ModelChanges},
		{"PseudonymiseActiveModels", "active models", &er.ActiveModels},
	} {
		tag, err := tx.Exec(ctx, s.q(x.query), user, pseud)
		if err != nil {
			return er, fmt.Errorf("store: pseudonymise %s: %w", x.what, err)
		}
		*x.n = tag.RowsAffected()
	}
	return er, nil
}
