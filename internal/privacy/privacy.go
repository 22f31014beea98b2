// Package privacy carries out what GDPR asks of the assistant's records of
// people: retention (conversations and answer records are pseudonymised
// or deleted after a configured number of days, by a scheduled job) and
// data-subject requests (export everything stored about one user, or
// erase it). Each run and request is recorded in the audit trail, and
// none of them breaks its chain: they delete the erasable personal part
// of audit events, never an event.
//
// Pseudonymising keeps what the records are still needed for —
// accountability and quality: which documents, versions, models and
// prompts produced the answers, how fast, how they were rated — and
// drops what that purpose does not need (purpose limitation, art. 5(1)(b)
// and (e)): the user's name becomes a keyed pseudonym, and the question,
// answer and conversation title texts are removed, since questions about
// citizens' cases often name third parties.
package privacy

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"log/slog"
	"sync"

	"github.com/civitas-eu/civitas/internal/sqlfile"
	"github.com/civitas-eu/civitas/internal/store"
)

//go:embed sql/*.sql
var sqlFiles embed.FS

// Retention actions.
const (
	ActionPseudonymise = "pseudonymise"
	ActionDelete       = "delete"
)

// Config is the retention policy.
type Config struct {
	// Days records are kept as they are; 0 keeps them for ever.
	Days int
	// Action is ActionPseudonymise or ActionDelete.
	Action string
	// Key keys pseudonyms; empty means a random key kept in the database.
	Key []byte
}

// Service runs retention and data-subject requests.
type Service struct {
	db  store.DB
	st  *store.Store // writes of the store's tables, in this package's transactions
	cfg Config
	log *slog.Logger
	q   sqlfile.Queries

	mu  sync.Mutex
	key []byte // loaded on first use
}

// New returns a Service over db (a pool).
func New(db store.DB, cfg Config, log *slog.Logger) (*Service, error) {
	q, err := sqlfile.Load(sqlFiles, "sql")
	if err != nil {
		return nil, fmt.Errorf("privacy: %w", err)
	}
	if cfg.Action == "" {
		cfg.Action = ActionPseudonymise
	}
	if cfg.Action != ActionPseudonymise && cfg.Action != ActionDelete {
		return nil, fmt.Errorf("privacy: retention action %q: want %s or %s", cfg.Action, ActionPseudonymise, ActionDelete)
	}
	st, err := store.New(db)
	if err != nil {
		return nil, fmt.Errorf("privacy: %w", err)
	}
	return &Service{db: db, st: st, cfg: cfg, log: log, q: q, key: cfg.Key}, nil
}

// Pseudonym returns the stable pseudonym of user: "pseud-" and 16 hex
// digits of HMAC-SHA256(key, user). The same user always gets the same
// pseudonym, so their pseudonymised records can still be found for an
// export or erasure request, but it cannot be turned back into the name
// without the key.
func (s *Service) Pseudonym(ctx context.Context, user string) (string, error) {
	key, err := s.pseudonymKey(ctx)
	if err != nil {
		return "", err
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(user))
	return "pseud-" + hex.EncodeToString(m.Sum(nil))[:16], nil
}

func (s *Service) pseudonymKey(ctx context.Context) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.key != nil {
		return s.key, nil
	}
	fresh := make([]byte, 32)
	_, _ = rand.Read(fresh)
	if _, err := s.db.Exec(ctx, s.q.Get("StoreKey"), fresh); err != nil {
		return nil, fmt.Errorf("privacy: store pseudonym key: %w", err)
	}
	var key []byte
	if err := s.db.QueryRow(ctx, s.q.Get("StoredKey")).Scan(&key); err != nil {
		return nil, fmt.Errorf("privacy: read pseudonym key: %w", err)
	}
	s.key = key
	return key, nil
}

// names are the user names a person's records may carry: their own and,
// once pseudonymised, their pseudonym.
func (s *Service) names(ctx context.Context, user string) ([]string, string, error) {
	p, err := s.Pseudonym(ctx, user)
	if err != nil {
		return nil, "", err
	}
	return []string{user, p}, p, nil
}
