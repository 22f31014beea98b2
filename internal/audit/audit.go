// Package audit keeps the audit trail: an append-only, hash-chained record
// of every question and answer, document change, model change and admin
// action, as the EU AI Act asks of deployers and as a city needs to
// answer "who asked what, and where did the answer come from".
//
// Each row's SHA-256 hash covers its fields and the previous row's hash
// (hash.go), so any altered, removed or inserted row breaks the chain and
// Verify names the first one. The database refuses UPDATE, DELETE and
// TRUNCATE of audit rows (migration 0007); the chain is what detects a
// change made around that refusal.
//
// Personal data of an event (who acted, whom it concerns, the question
// asked) lives in a separate row whose hash, not content, is chained:
// erasure and retention delete it and the chain still verifies.
package audit

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/civitas-eu/civitas/internal/auth"
	"github.com/civitas-eu/civitas/internal/sqlfile"
)

// DB is what the audit trail needs from a connection: a *pgxpool.Pool, or
// the pgx.Tx of a caller that appends as part of its own unit of work (the
// event is then committed or rolled back with it). It is the project's one
// declaration of a connection that may be a pool or a transaction:
// store.DB is an alias of it, which jobs and privacy use.
type DB interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Begin(ctx context.Context) (pgx.Tx, error)
	// SendBatch sends several statements in one round trip (retrieval
	// sends its settings and its query together).
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// Actions recorded by Civitas. Other packages may append others; names are
// "object.verb" in the past tense.
const (
	ActionAnswerCreated     = "answer.created"
	ActionDocumentIngested  = "document.ingested"
	ActionDocumentUpdated   = "document.updated"
	ActionDocumentDeleted   = "document.deleted"
	ActionModelChanged      = "model.changed"
	ActionModelInstalled    = "admin.model.installed" // pulled or imported
	ActionModelRemoved      = "admin.model.removed"
	ActionReembedQueued     = "admin.model.reembed_queued"
	ActionEmbeddingsDropped = "admin.model.embeddings_dropped"
	ActionAPIKeyIssued      = "admin.apikey.issued"
	ActionAPIKeyRevoked     = "admin.apikey.revoked"
	ActionRetentionRun      = "retention.run"
	ActionSubjectExported   = "subject.exported"
	ActionSubjectErased     = "subject.erased"
	// ActionConversationDeleted is a user deleting one of their
	// conversations; like a retention run it empties the personal part of
	// the answer.created events of the answers deleted.
	ActionConversationDeleted = "conversation.deleted"
	ActionAuditExported       = "audit.exported"
)

// PersonalRemovedKey is the details field of retention.run and
// subject.erased events listing the audit ids whose personal data they
// removed; Verify accepts a missing personal row only when one lists it.
const PersonalRemovedKey = "personal_removed"

// Event is one thing to record.
//
// Target and Details are kept for as long as the trail exists and can
// never be erased, so they must not name a person: put names and free
// text a person wrote into Actor, Subject and Personal.
type Event struct {
	Action  string // e.g. ActionAnswerCreated
	Target  string // what it was done to: "answer:42", "document:7"
	Details any    // non-personal facts, marshalled to JSON; nil: {}

	// Actor is who acted; empty means ActorFrom(ctx).
	Actor string
	// Subject is whom the event concerns when that is not the actor
	// (the owner of an issued API key, an erased user's export).
	Subject string
	// Personal holds personal details (the question asked), marshalled
	// to JSON; nil: {}.
	Personal any
}

type actorKey struct{}

// WithActor returns ctx naming actor as the one acting, for work that has
// no authenticated user (the ingest command, a scheduled job).
func WithActor(ctx context.Context, actor string) context.Context {
	return context.WithValue(ctx, actorKey{}, actor)
}

// CommandActor names a command and the operating-system user running it
// ("ingest:alice"), or the command alone when $USER is unset, for
// WithActor. getenv may be nil.
func CommandActor(command string, getenv func(string) string) string {
	if getenv != nil {
		if u := getenv("USER"); u != "" {
			return command + ":" + u
		}
	}
	return command
}

// ActorFrom returns who acts in ctx: the authenticated user, else the
// actor set by WithActor, else "system".
func ActorFrom(ctx context.Context) string {
	if u, ok := auth.FromContext(ctx); ok && u.Name != "" {
		return u.Name
	}
	if a, ok := ctx.Value(actorKey{}).(string); ok && a != "" {
		return a
	}
	return "system"
}

// queries are parsed once per process: the embedded file cannot change,
// and Append is called on every answer.
var queries = sync.OnceValues(func() (sqlfile.Queries, error) { return sqlfile.Load(sqlFiles, "sql") })

// Append records e as the next row of the chain, inside db's transaction
// when db is one (a savepoint) or in a transaction of its own. It holds
// the chain head's row lock until that transaction ends, which serialises
// appends across processes; callers should append last in their unit of
// work so the lock is held briefly.
func Append(ctx context.Context, db DB, e Event) (Record, error) {
	q, err := queries()
	if err != nil {
		return Record{}, err
	}
	if e.Action == "" {
		return Record{}, errors.New("audit: append: event has no action")
	}
	details, err := marshalObject(e.Details)
	if err != nil {
		return Record{}, fmt.Errorf("audit: append %s: encode details: %w", e.Action, err)
	}
	data, err := marshalObject(e.Personal)
	if err != nil {
		return Record{}, fmt.Errorf("audit: append %s: encode personal data: %w", e.Action, err)
	}
	p := &Personal{Actor: e.Actor, Subject: e.Subject, Data: data, salt: make([]byte, 32)}
	if p.Actor == "" {
		p.Actor = ActorFrom(ctx)
	}
	_, _ = rand.Read(p.salt)
	r := Record{Action: e.Action, Target: e.Target, Details: details, PersonalHash: p.hash(), Personal: p}
	err = pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		var last int64
		if err := tx.QueryRow(ctx, q.Get("LockHead")).Scan(&last, &r.PrevHash, &r.At); err != nil {
			return fmt.Errorf("lock chain head: %w", err)
		}
		r.ID = last + 1
		r.At = r.At.UTC().Truncate(time.Microsecond)
		r.Hash = r.computeHash()
		if _, err := tx.Exec(ctx, q.Get("InsertEvent"), r.ID, r.At, r.Action, r.Target, string(r.Details),
			r.PersonalHash, r.PrevHash, r.Hash); err != nil {
			return fmt.Errorf("insert row %d: %w", r.ID, err)
		}
		if _, err := tx.Exec(ctx, q.Get("InsertPersonal"), r.ID, p.Actor, p.Subject, string(p.Data), p.salt); err != nil {
			return fmt.Errorf("insert personal data of row %d: %w", r.ID, err)
		}
		if _, err := tx.Exec(ctx, q.Get("MoveHead"), r.ID, r.Hash); err != nil {
			return fmt.Errorf("move chain head to %d: %w", r.ID, err)
		}
		return nil
	})
	if err != nil {
		return Record{}, fmt.Errorf("audit: append %s: %w", e.Action, err)
	}
	return r, nil
}

// marshalObject encodes v as JSON, nil as {}.
func marshalObject(v any) (json.RawMessage, error) {
	if v == nil {
		return json.RawMessage("{}"), nil
	}
	if raw, ok := v.(json.RawMessage); ok {
		if !json.Valid(raw) {
			return nil, errors.New("invalid JSON")
		}
		return raw, nil
	}
	return json.Marshal(v)
}
