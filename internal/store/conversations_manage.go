package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/civitas-eu/civitas/internal/audit"
)

// ActionConversationDeleted is the audit action of a user deleting one of
// their conversations. It is the person's own use of the assistant, not on
// legal hold (audit.OnLegalHold): erasure may remove who did it.
const ActionConversationDeleted = audit.ActionConversationDeleted

// MaxTitleLength is the longest conversation title, in characters.
const MaxTitleLength = 200

// RenameConversation sets the title of conversation id if user owns it,
// else returns ErrNotFound.
func (s *Store) RenameConversation(ctx context.Context, id int64, user, title string) (Conversation, error) {
	c, err := scanConversation(s.db.QueryRow(ctx, s.q("RenameConversation"), id, user, title))
	if errors.Is(err, pgx.ErrNoRows) {
		return c, fmt.Errorf("store: rename conversation %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return c, fmt.Errorf("store: rename conversation %d: %w", id, err)
	}
	return c, nil
}

// DeleteConversation deletes conversation id with its answers and their
// feedback if user owns it, else returns ErrNotFound. The deletion is
// audited in the same transaction (ActionConversationDeleted, naming the
// answers removed, not their text). The answer.created events of those
// answers stay in the trail (provenance: which model answered from which
// passages), but their personal part (asker, question, answer) goes with
// the conversation, in the same transaction: a user who deletes a
// conversation means its text, and keeping it in the trail would defeat
// that. The event lists the rows it emptied, which audit.Verify checks as
// it checks retention runs.
func (s *Store) DeleteConversation(ctx context.Context, id int64, user string) error {
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		var answerIDs []int64
		var deleted int64
		if err := tx.QueryRow(ctx, s.q("DeleteConversation"), id, user).Scan(&answerIDs, &deleted); err != nil {
			return err
		}
		if deleted == 0 {
			return ErrNotFound
		}
		if answerIDs == nil {
			answerIDs = []int64{}
		}
		targets := make([]string, len(answerIDs))
		for i, a := range answerIDs {
			targets[i] = fmt.Sprintf("answer:%d", a)
		}
		emptied, err := audit.ExpireAnswerPersonal(ctx, tx, time.Time{}, targets)
		if err != nil {
			return err
		}
		_, err = audit.Append(ctx, tx, audit.Event{
			Action: ActionConversationDeleted, Target: fmt.Sprintf("conversation:%d", id),
			Details: map[string]any{"conversation_id": id, "answer_ids": answerIDs, audit.PersonalRemovedKey: emptied}, Actor: user,
		})
		return err
	})
	if err != nil {
		return fmt.Errorf("store: delete conversation %d: %w", id, err)
	}
	return nil
}

// CountConversations returns how many conversations user has.
func (s *Store) CountConversations(ctx context.Context, user string) (int, error) {
	var n int
	if err := s.db.QueryRow(ctx, s.q("CountConversations"), user).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: count conversations of %s: %w", user, err)
	}
	return n, nil
}

// SearchConversations lists user's conversations whose title, questions
// or answers contain query (case-insensitive), most recent first.
func (s *Store) SearchConversations(ctx context.Context, user, query string, limit int) ([]Conversation, error) {
	rows, err := s.db.Query(ctx, s.q("SearchConversations"), user, escapeLike(query), limit)
	if err != nil {
		return nil, fmt.Errorf("store: search conversations of %s: %w", user, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Conversation, error) { return scanConversation(r) })
	if err != nil {
		return nil, fmt.Errorf("store: search conversations of %s: %w", user, err)
	}
	return out, nil
}

// escapeLike makes q match literally in a LIKE pattern (the default escape
// character is the backslash).
func escapeLike(q string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(q)
}
