package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/civitas-eu/civitas/internal/auth"
)

var _ auth.Store = (*Store)(nil)

// CreateSession stores a browser session, first deleting sessions that
// expired before the cut-offs. Expired logins are CreateLogin's to delete:
// every session follows a sign-in, which started with one.
func (s *Store) CreateSession(ctx context.Context, ses auth.Session, idleBefore, createdBefore time.Time) error {
	if _, err := s.db.Exec(ctx, s.q("DeleteExpiredSessions"), idleBefore, createdBefore); err != nil {
		return fmt.Errorf("store: delete expired sessions: %w", err)
	}
	if _, err := s.db.Exec(ctx, s.q("CreateSession"), ses.TokenHash, ses.User, nonNil(ses.Groups), ses.Subject, ses.CreatedAt); err != nil {
		return fmt.Errorf("store: create session for %s: %w", ses.User, err)
	}
	return nil
}

// Session returns the session with tokenHash; found is false if none.
func (s *Store) Session(ctx context.Context, tokenHash []byte) (auth.Session, bool, error) {
	var ses auth.Session
	err := s.db.QueryRow(ctx, s.q("GetSession"), tokenHash).Scan(
		&ses.TokenHash, &ses.User, &ses.Groups, &ses.Subject, &ses.CreatedAt, &ses.LastSeenAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return ses, false, nil
	}
	if err != nil {
		return ses, false, fmt.Errorf("store: get session: %w", err)
	}
	return ses, true, nil
}

// TouchSession moves a session's last-seen time forward to at.
func (s *Store) TouchSession(ctx context.Context, tokenHash []byte, at time.Time) error {
	if _, err := s.db.Exec(ctx, s.q("TouchSession"), tokenHash, at); err != nil {
		return fmt.Errorf("store: touch session: %w", err)
	}
	return nil
}

// DeleteSession deletes a session; an unknown one is no error.
func (s *Store) DeleteSession(ctx context.Context, tokenHash []byte) error {
	if _, err := s.db.Exec(ctx, s.q("DeleteSession"), tokenHash); err != nil {
		return fmt.Errorf("store: delete session: %w", err)
	}
	return nil
}

// CreateLogin stores a sign-in in progress, first deleting logins created
// before expiredBefore. Unauthenticated requests create logins, so purging
// only when a session is created (a completed sign-in) would let abandoned
// ones pile up without bound.
func (s *Store) CreateLogin(ctx context.Context, l auth.Login, expiredBefore time.Time) error {
	if _, err := s.db.Exec(ctx, s.q("DeleteExpiredLogins"), expiredBefore); err != nil {
		return fmt.Errorf("store: delete expired logins: %w", err)
	}
	if _, err := s.db.Exec(ctx, s.q("CreateLogin"), l.StateHash, l.Nonce, l.Verifier, l.Next, l.CreatedAt); err != nil {
		return fmt.Errorf("store: create login: %w", err)
	}
	return nil
}

// TakeLogin deletes and returns the login with stateHash created after
// createdAfter; found is false if there is none.
func (s *Store) TakeLogin(ctx context.Context, stateHash []byte, createdAfter time.Time) (auth.Login, bool, error) {
	var l auth.Login
	err := s.db.QueryRow(ctx, s.q("TakeLogin"), stateHash, createdAfter).Scan(&l.StateHash, &l.Nonce, &l.Verifier, &l.Next, &l.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return l, false, nil
	}
	if err != nil {
		return l, false, fmt.Errorf("store: take login: %w", err)
	}
	return l, true, nil
}

func scanAPIKey(r pgx.Row) (auth.APIKey, error) {
	var k auth.APIKey
	err := r.Scan(&k.ID, &k.Hash, &k.Prefix, &k.Name, &k.User, &k.Groups, &k.CreatedBy, &k.CreatedAt,
		&k.ExpiresAt, &k.LastUsedAt, &k.RevokedAt)
	return k, err
}

// CreateAPIKey stores a new API key (hash, prefix, name, user, groups,
// creator, expiry of k) and returns it with its id and creation time. The
// issue is recorded in the audit trail in the same transaction: a key
// exists exactly when its issue is on record.
func (s *Store) CreateAPIKey(ctx context.Context, k auth.APIKey) (auth.APIKey, error) {
	var out auth.APIKey
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		var err error
		out, err = scanAPIKey(tx.QueryRow(ctx, s.q("CreateAPIKey"), k.Hash, k.Prefix, k.Name, k.User, nonNil(k.Groups), k.CreatedBy, k.ExpiresAt))
		if err != nil {
			return err
		}
		return auditAPIKeyIssued(ctx, tx, out)
	})
	if err != nil {
		return out, fmt.Errorf("store: create API key for %s: %w", k.User, err)
	}
	return out, nil
}

// APIKeyByHash returns the API key with hash; found is false if none.
func (s *Store) APIKeyByHash(ctx context.Context, hash []byte) (auth.APIKey, bool, error) {
	k, err := scanAPIKey(s.db.QueryRow(ctx, s.q("GetAPIKeyByHash"), hash))
	if errors.Is(err, pgx.ErrNoRows) {
		return k, false, nil
	}
	if err != nil {
		return k, false, fmt.Errorf("store: get API key: %w", err)
	}
	return k, true, nil
}

// APIKeys lists every API key, revoked ones included, newest first.
func (s *Store) APIKeys(ctx context.Context) ([]auth.APIKey, error) {
	rows, err := s.db.Query(ctx, s.q("ListAPIKeys"))
	if err != nil {
		return nil, fmt.Errorf("store: list API keys: %w", err)
	}
	keys, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (auth.APIKey, error) { return scanAPIKey(r) })
	if err != nil {
		return nil, fmt.Errorf("store: list API keys: %w", err)
	}
	return keys, nil
}

// TouchAPIKey records that key id was used at at.
func (s *Store) TouchAPIKey(ctx context.Context, id int64, at time.Time) error {
	if _, err := s.db.Exec(ctx, s.q("TouchAPIKey"), id, at); err != nil {
		return fmt.Errorf("store: touch API key %d: %w", id, err)
	}
	return nil
}

// RevokeAPIKey revokes key id on behalf of by; ErrNotFound if there is no
// such key. Revoking a revoked key changes nothing. A revocation is
// recorded in the audit trail in the same transaction.
func (s *Store) RevokeAPIKey(ctx context.Context, id int64, by string) error {
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		var k auth.APIKey
		var wasActive bool
		if err := tx.QueryRow(ctx, s.q("RevokeAPIKey"), id, by).Scan(&k.ID, &k.Prefix, &k.User, &wasActive); err != nil {
			return err
		}
		if !wasActive {
			return nil
		}
		return auditAPIKeyRevoked(ctx, tx, k, by)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("store: API key %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("store: revoke API key %d: %w", id, err)
	}
	return nil
}
