package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/civitas-eu/civitas/internal/audit"
	"github.com/civitas-eu/civitas/internal/auth"
)

// The store appends audit events in the same transaction as the change
// they record: an answer or a document version is on record exactly when
// it exists.

// passageRef is a passage as the audit trail keeps it: enough to find the
// exact text again (chunk, document and version), not the text itself.
type passageRef struct {
	N               int    `json:"n"`
	ChunkID         int64  `json:"chunk_id"`
	DocumentID      int64  `json:"document_id"`
	DocumentVersion int    `json:"document_version"`
	Source          string `json:"source_uri"`
	Title           string `json:"title,omitempty"`
	PageStart       int    `json:"page_start,omitempty"`
	PageEnd         int    `json:"page_end,omitempty"`
}

// answerDetails is the non-personal provenance of an answer, kept for as
// long as the trail: which passages of which document versions, which
// models (with digests) and which prompt templates produced it. The
// question and answer text are personal and go to the erasable part.
type answerDetails struct {
	AnswerID          int64        `json:"answer_id"`
	ConversationID    int64        `json:"conversation_id"`
	Mode              string       `json:"mode"`
	Language          string       `json:"language"`
	RetrievalMode     string       `json:"retrieval_mode"`
	RetrievedChunkIDs []int64      `json:"retrieved_chunk_ids"`
	Passages          []passageRef `json:"passages"` // as given to the model
	// Reranker names the reranker that chose and ordered them; absent:
	// the retriever's fused order.
	Reranker    string       `json:"reranker,omitempty"`
	Cited       []passageRef `json:"cited"`
	ChatModel   string       `json:"chat_model"`
	ChatDigest  string       `json:"chat_digest"`
	EmbedModel  string       `json:"embed_model"`
	EmbedDigest string       `json:"embed_digest"`
	// PromptVersion is the SHA-256-based version of the prompt
	// templates in force (prompts.Set.Version).
	PromptVersion string `json:"prompt_version"`
	Failed        bool   `json:"failed,omitempty"`
}

func (s *Store) auditAnswer(ctx context.Context, tx pgx.Tx, a Answer) error {
	var sources []passageRef
	if err := json.Unmarshal(a.Sources, &sources); err != nil {
		return fmt.Errorf("decode sources for the audit trail: %w", err)
	}
	var cites []struct {
		N int `json:"n"`
	}
	if err := json.Unmarshal(a.Citations, &cites); err != nil {
		return fmt.Errorf("decode citations for the audit trail: %w", err)
	}
	d := answerDetails{
		AnswerID: a.ID, ConversationID: a.ConversationID, Mode: a.Mode, Language: a.Language,
		RetrievalMode: a.RetrievalMode, RetrievedChunkIDs: a.RetrievedChunkIDs, Passages: sources, Cited: []passageRef{},
		ChatModel: a.ChatModel, ChatDigest: a.ChatDigest, EmbedModel: a.EmbedModel, PromptVersion: a.PromptVersion,
		Failed: a.Error != "", Reranker: a.Reranker,
	}
	for _, c := range cites {
		for _, p := range sources {
			if p.N == c.N {
				d.Cited = append(d.Cited, p)
			}
		}
	}
	if err := tx.QueryRow(ctx, s.q("EmbedModelDigest"), a.EmbedModel).Scan(&d.EmbedDigest); err != nil {
		return fmt.Errorf("look up embedding model digest: %w", err)
	}
	_, err := audit.Append(ctx, tx, audit.Event{
		Action: audit.ActionAnswerCreated, Target: fmt.Sprintf("answer:%d", a.ID), Details: d,
		Actor: a.User, Personal: map[string]string{"question": a.Question, "answer": a.Answer},
	})
	return err
}

// auditDocument records a document change; the actor comes from ctx
// (audit.ActorFrom).
func (s *Store) auditDocument(ctx context.Context, tx pgx.Tx, action string, id int64, extra map[string]any) error {
	ev, err := s.documentEvent(ctx, tx, action, id, extra)
	if err != nil {
		return err
	}
	_, err = audit.Append(ctx, tx, ev)
	return err
}

// documentEvent reads what the audit event of a change to document id
// records. Reading is separate from appending so that a deletion can read
// the row before it goes and still append last: appending takes the chain
// head's lock, which every writer must take after its row locks, or two
// of them can deadlock.
func (s *Store) documentEvent(ctx context.Context, tx pgx.Tx, action string, id int64, extra map[string]any) (audit.Event, error) {
	var docID int64
	var collection, source, hash string
	var version int
	if err := tx.QueryRow(ctx, s.q("DocumentForAudit"), id).Scan(&docID, &collection, &source, &version, &hash); err != nil {
		return audit.Event{}, fmt.Errorf("read document %d for the audit trail: %w", id, err)
	}
	d := map[string]any{"document_id": docID, "collection": collection, "source": source, "version": version, "sha256": hash}
	for k, v := range extra {
		d[k] = v
	}
	return audit.Event{Action: action, Target: fmt.Sprintf("document:%d", id), Details: d}, nil
}

// auditAPIKeyIssued records an admin issuing k. The key's owner is the
// event's subject and its free-text name is personal (admins may name a
// key after a person); groups, prefix and expiry are not.
func auditAPIKeyIssued(ctx context.Context, tx pgx.Tx, k auth.APIKey) error {
	_, err := audit.Append(ctx, tx, audit.Event{
		Action: audit.ActionAPIKeyIssued, Target: fmt.Sprintf("apikey:%d", k.ID), Actor: k.CreatedBy, Subject: k.User,
		Details:  map[string]any{"api_key_id": k.ID, "prefix": k.Prefix, "groups": nonNil(k.Groups), "expires_at": k.ExpiresAt},
		Personal: map[string]string{"name": k.Name},
	})
	return err
}

// auditAPIKeyRevoked records by revoking k.
func auditAPIKeyRevoked(ctx context.Context, tx pgx.Tx, k auth.APIKey, by string) error {
	_, err := audit.Append(ctx, tx, audit.Event{
		Action: audit.ActionAPIKeyRevoked, Target: fmt.Sprintf("apikey:%d", k.ID), Actor: by, Subject: k.User,
		Details: map[string]any{"api_key_id": k.ID, "prefix": k.Prefix},
	})
	return err
}
