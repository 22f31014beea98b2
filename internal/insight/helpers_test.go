package insight_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/civitas-eu/civitas/internal/dbtest"
	"github.com/civitas-eu/civitas/internal/insight"
	"github.com/civitas-eu/civitas/internal/store"
)

// world is a migrated schema of its own inside a rolled-back transaction.
type world struct {
	tx  pgx.Tx
	svc *insight.Service
}

func newWorld(t *testing.T) world {
	t.Helper()
	tx := dbtest.Tx(t)
	st, err := store.New(tx)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := insight.New(tx, st)
	if err != nil {
		t.Fatal(err)
	}
	return world{tx: tx, svc: svc}
}

func (w world) exec(t *testing.T, sql string, args ...any) {
	t.Helper()
	if _, err := w.tx.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func (w world) int64(t *testing.T, sql string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := w.tx.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// document adds a current document with one chunk of text to collection
// and returns its id.
func (w world) document(t *testing.T, collection, source string, groups []string, text string) int64 {
	t.Helper()
	w.exec(t, "INSERT INTO collections (name) VALUES ($1) ON CONFLICT DO NOTHING", collection)
	if groups == nil {
		groups = []string{}
	}
	h := sha256.Sum256([]byte(source + text))
	id := w.int64(t, `INSERT INTO documents (collection_id, source_uri, title, media_type, content_hash, size_bytes, access_groups)
		SELECT id, $2, $3, 'text/plain', $4, $5, $6 FROM collections WHERE name = $1 RETURNING id`,
		collection, source, "Title of "+source, h[:], len(text), groups)
	w.exec(t, "INSERT INTO chunks (document_id, ordinal, content, token_count) VALUES ($1, 0, $2, 10)", id, text)
	return id
}

type answerOpts struct {
	mode    string
	docs    []int64 // sources, numbered from 1
	cited   bool
	at      time.Time
	firstMS int
	totalMS int
	chat    string
	user    string
}

// answer records an answer to question and returns its id.
func (w world) answer(t *testing.T, question string, o answerOpts) int64 {
	t.Helper()
	if o.mode == "" {
		o.mode = "answer"
	}
	if o.at.IsZero() {
		o.at = time.Now()
	}
	if o.user == "" {
		o.user = "erika.muster"
	}
	if o.chat == "" {
		o.chat = "chat-a"
	}
	var sources []map[string]any
	var cited []int64
	for i, d := range o.docs {
		sources = append(sources, map[string]any{"n": i + 1, "document_id": d, "title": fmt.Sprintf("doc %d", d), "snippet": "passage"})
		if o.cited {
			cited = append(cited, int64(i+1))
		}
	}
	raw, _ := json.Marshal(sources)
	if sources == nil {
		raw = []byte("[]")
	}
	conv := w.int64(t, "INSERT INTO conversations (user_name) VALUES ($1) RETURNING id", o.user)
	return w.int64(t, `INSERT INTO answers (conversation_id, user_name, question, answer, mode, sources, cited_chunk_ids,
		chat_model, first_token_ms, total_ms, created_at) VALUES ($1, $2, $3, 'an answer', $4, $5::jsonb, $6, $7, $8, $9, $10) RETURNING id`,
		conv, o.user, question, o.mode, string(raw), nonNilIDs(cited), o.chat, o.firstMS, o.totalMS, o.at)
}

func nonNilIDs(s []int64) []int64 {
	if s == nil {
		return []int64{}
	}
	return s
}

func (w world) rate(t *testing.T, answerID int64, rating, comment string) {
	t.Helper()
	w.exec(t, "INSERT INTO answer_feedback (answer_id, user_name, rating, comment) SELECT id, user_name, $2, $3 FROM answers WHERE id = $1",
		answerID, rating, comment)
}

func keepName(_ context.Context, u string) (string, error) { return u, nil }

func itoa(n int64) string { return fmt.Sprint(n) }
