-- Sign-in: sessions, pending logins, API keys (see internal/auth).

-- name: CreateSession
INSERT INTO auth_sessions (token_hash, user_name, groups, subject, created_at, last_seen_at)
VALUES ($1, $2, $3::text[], $4, $5, $5);

-- name: DeleteExpiredSessions
-- $1: idle cut-off, $2: absolute cut-off.
DELETE FROM auth_sessions WHERE last_seen_at < $1 OR created_at < $2;

-- name: GetSession
SELECT token_hash, user_name, groups, subject, created_at, last_seen_at
FROM auth_sessions WHERE token_hash = $1;

-- name: TouchSession
-- Never moves last_seen_at back (two requests racing).
UPDATE auth_sessions SET last_seen_at = $2 WHERE token_hash = $1 AND last_seen_at < $2;

-- name: DeleteSession
DELETE FROM auth_sessions WHERE token_hash = $1;

-- name: CreateLogin
INSERT INTO auth_logins (state_hash, nonce, pkce_verifier, next, created_at)
VALUES ($1, $2, $3, $4, $5);

-- name: DeleteExpiredLogins
DELETE FROM auth_logins WHERE created_at < $1;

-- name: TakeLogin
-- Deleting and returning in one statement: a state is redeemed once, even
-- by two callbacks racing.
DELETE FROM auth_logins WHERE state_hash = $1 AND created_at >= $2
RETURNING state_hash, nonce, pkce_verifier, next, created_at;

-- name: CreateAPIKey
INSERT INTO api_keys (key_hash, prefix, name, user_name, groups, created_by, expires_at)
VALUES ($1, $2, $3, $4, $5::text[], $6, $7)
RETURNING id, key_hash, prefix, name, user_name, groups, created_by, created_at, expires_at, last_used_at, revoked_at;

-- name: GetAPIKeyByHash
SELECT id, key_hash, prefix, name, user_name, groups, created_by, created_at, expires_at, last_used_at, revoked_at
FROM api_keys WHERE key_hash = $1;

-- name: ListAPIKeys
SELECT id, key_hash, prefix, name, user_name, groups, created_by, created_at, expires_at, last_used_at, revoked_at
FROM api_keys ORDER BY id DESC;

-- name: TouchAPIKey
UPDATE api_keys SET last_used_at = $2 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $2);

-- name: RevokeAPIKey
-- Revoking twice keeps the first time and revoker; was_active says
-- whether this statement revoked it (the subquery sees the row as it was).
UPDATE api_keys k SET revoked_at = coalesce(k.revoked_at, now()), revoked_by = coalesce(k.revoked_by, $2)
FROM (SELECT id, revoked_at IS NULL AS was_active FROM api_keys WHERE id = $1) old
WHERE k.id = old.id
RETURNING k.id, k.prefix, k.user_name, old.was_active;
