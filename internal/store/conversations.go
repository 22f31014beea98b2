package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5"
)

// Conversation is a user's thread of questions and answers.
type Conversation struct {
	ID        int64     `json:"id"`
	User      string    `json:"user"`
	Title     string    `json:"title"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Answer is the record of one answer: what was asked and answered, and
// everything needed to show where it came from.
type Answer struct {
	ID                int64           `json:"id"`
	ConversationID    int64           `json:"conversation_id"`
	User              string          `json:"user"`
	Question          string          `json:"question"`
	Answer            string          `json:"answer"`
	Mode              string          `json:"mode"`
	Language          string          `json:"language"`
	RetrievalMode     string          `json:"retrieval_mode"`
	Sources           json.RawMessage `json:"sources"`
	Citations         json.RawMessage `json:"citations"`
	RetrievedChunkIDs []int64         `json:"retrieved_chunk_ids"`
	CitedChunkIDs     []int64         `json:"cited_chunk_ids"`
	ChatModel         string          `json:"chat_model"`
	ChatDigest        string          `json:"chat_digest"`
	EmbedModel        string          `json:"embed_model"`
	PromptVersion     string          `json:"prompt_version"`
	RetrievalMS       int             `json:"retrieval_ms"`
	FirstTokenMS      int             `json:"first_token_ms"`
	TotalMS           int             `json:"total_ms"`
	PromptTokens      int             `json:"prompt_tokens"`
	GeneratedTokens   int             `json:"generated_tokens"`
	Error             string          `json:"error,omitempty"`
	CreatedAt         time.Time       `json:"created_at"`
	// Reranker names the reranker that ordered the passages ("" for the
	// fused order); RerankMS its time, QueueMS the wait for the chat model.
	Reranker string `json:"reranker,omitempty"`
	RerankMS int    `json:"rerank_ms"`
	QueueMS  int    `json:"queue_ms"`
}

func scanConversation(r pgx.Row) (Conversation, error) {
	var c Conversation
	err := r.Scan(&c.ID, &c.User, &c.Title, &c.CreatedAt, &c.UpdatedAt)
	return c, err
}

// CreateConversation starts a conversation for user.
func (s *Store) CreateConversation(ctx context.Context, user, title string) (Conversation, error) {
	c, err := scanConversation(s.db.QueryRow(ctx, s.q("CreateConversation"), user, title))
	if err != nil {
		return c, fmt.Errorf("store: create conversation for %s: %w", user, err)
	}
	return c, nil
}

// Conversation returns conversation id if user owns it, else ErrNotFound:
// another user's conversation does not exist for the caller.
func (s *Store) Conversation(ctx context.Context, id int64, user string) (Conversation, error) {
	c, err := scanConversation(s.db.QueryRow(ctx, s.q("GetConversation"), id, user))
	if errors.Is(err, pgx.ErrNoRows) {
		return c, fmt.Errorf("store: conversation %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return c, fmt.Errorf("store: conversation %d: %w", id, err)
	}
	return c, nil
}

// Conversations lists user's conversations, most recent first.
func (s *Store) Conversations(ctx context.Context, user string, limit int) ([]Conversation, error) {
	rows, err := s.db.Query(ctx, s.q("ListConversations"), user, limit)
	if err != nil {
		return nil, fmt.Errorf("store: conversations of %s: %w", user, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Conversation, error) { return scanConversation(r) })
	if err != nil {
		return nil, fmt.Errorf("store: conversations of %s: %w", user, err)
	}
	return out, nil
}

// RecordAnswer stores a finished (or failed) answer in its conversation.
func (s *Store) RecordAnswer(ctx context.Context, a Answer) (Answer, error) {
	if a.Sources == nil {
		a.Sources = json.RawMessage("[]")
	}
	if a.Citations == nil {
		a.Citations = json.RawMessage("[]")
	}
	a.RetrievedChunkIDs, a.CitedChunkIDs = nonNil(a.RetrievedChunkIDs), nonNil(a.CitedChunkIDs)
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, s.q("InsertAnswer"),
			a.ConversationID, a.User, a.Question, a.Answer, a.Mode, a.Language, a.RetrievalMode,
			string(a.Sources), string(a.Citations), a.RetrievedChunkIDs, a.CitedChunkIDs,
			a.ChatModel, a.ChatDigest, a.EmbedModel, a.PromptVersion,
			a.RetrievalMS, a.FirstTokenMS, a.TotalMS, a.PromptTokens, a.GeneratedTokens, a.Error,
			a.Reranker, a.RerankMS, a.QueueMS,
		).Scan(&a.ID, &a.CreatedAt); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, s.q("TouchConversation"), a.ConversationID); err != nil {
			return err
		}
		return s.auditAnswer(ctx, tx, a)
	})
	if err != nil {
		return a, fmt.Errorf("store: record answer in conversation %d: %w", a.ConversationID, err)
	}
	return a, nil
}

// Answers returns the answers of a conversation in order.
func (s *Store) Answers(ctx context.Context, conversationID int64) ([]Answer, error) {
	rows, err := s.db.Query(ctx, s.q("ListAnswers"), conversationID)
	if err != nil {
		return nil, fmt.Errorf("store: answers of conversation %d: %w", conversationID, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Answer, error) {
		var a Answer
		var src, cit []byte
		err := r.Scan(&a.ID, &a.ConversationID, &a.User, &a.Question, &a.Answer, &a.Mode, &a.Language, &a.RetrievalMode,
			&src, &cit, &a.RetrievedChunkIDs, &a.CitedChunkIDs, &a.ChatModel, &a.ChatDigest, &a.EmbedModel, &a.PromptVersion,
			&a.RetrievalMS, &a.FirstTokenMS, &a.TotalMS, &a.PromptTokens, &a.GeneratedTokens, &a.Error, &a.CreatedAt,
			&a.Reranker, &a.RerankMS, &a.QueueMS)
		a.Sources, a.Citations = src, cit
		return a, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: answers of conversation %d: %w", conversationID, err)
	}
	return out, nil
}

// VisibleDocument is what a caller may learn about a document. Source is
// the file's name only: a server path is none of an ordinary user's
// business (knowledge managers see paths on the library page).
type VisibleDocument struct {
	ID           int64  `json:"id"`
	Collection   string `json:"collection"`
	Source       string `json:"source"`
	Title        string `json:"title"`
	MediaType    string `json:"media_type"`
	Language     string `json:"language"`
	Version      int    `json:"version"`
	PageCount    *int   `json:"pages,omitempty"`
	SupersededBy *int64 `json:"superseded_by,omitempty"`
	// SourceURI is where the original file lies and ContentHash the
	// SHA-256 of the bytes this version was made from; the file is served
	// only while it still has that hash.
	SourceURI   string `json:"-"`
	ContentHash []byte `json:"-"`
}

// Current reports whether d is the current version of its source.
func (d VisibleDocument) Current() bool { return d.SupersededBy == nil }

// VisibleDocument returns document id if it is the current version of its
// source and public or shares a group with groups; otherwise ErrNotFound,
// so that a caller cannot even learn that a document they may not see
// exists. A superseded version is never visible this way: its row keeps
// the access groups it had, which may be wider than the current ones, and
// its source path now holds another version's file.
func (s *Store) VisibleDocument(ctx context.Context, id int64, groups []string) (VisibleDocument, error) {
	return s.scanVisible(ctx, "GetVisibleDocument", id, nonNil(groups))
}

// AnyDocumentVersion returns document id, current or superseded, whatever
// its access groups, or ErrNotFound: for knowledge managers, who see the
// whole library and its version history.
func (s *Store) AnyDocumentVersion(ctx context.Context, id int64) (VisibleDocument, error) {
	return s.scanVisible(ctx, "GetAnyDocumentVersion", id)
}

func (s *Store) scanVisible(ctx context.Context, query string, id int64, args ...any) (VisibleDocument, error) {
	var d VisibleDocument
	err := s.db.QueryRow(ctx, s.q(query), append([]any{id}, args...)...).Scan(
		&d.ID, &d.Collection, &d.SourceURI, &d.Title, &d.MediaType, &d.Language, &d.Version, &d.PageCount,
		&d.SupersededBy, &d.ContentHash)
	if errors.Is(err, pgx.ErrNoRows) {
		return d, fmt.Errorf("store: document %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return d, fmt.Errorf("store: document %d: %w", id, err)
	}
	d.Source = filepath.Base(d.SourceURI)
	return d, nil
}
