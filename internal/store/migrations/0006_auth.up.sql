-- 0006: sign-in. Browser sessions of OpenID Connect logins, sign-ins in
-- progress, and API keys. Secrets are stored as SHA-256 hashes only: the
-- tokens are 32 random bytes, so a fast hash is safe and indexable.

CREATE TABLE auth_sessions (
    token_hash   bytea PRIMARY KEY CHECK (length(token_hash) = 32),
    user_name    text NOT NULL CHECK (user_name <> ''),
    groups       text[] NOT NULL DEFAULT '{}',
    subject      text NOT NULL DEFAULT '',   -- the provider's "sub"
    created_at   timestamptz NOT NULL,       -- absolute expiry counts from here
    last_seen_at timestamptz NOT NULL        -- idle expiry counts from here
);

-- Expired sessions are deleted by age; a user's sessions are found for
-- "sign out everywhere" and data-subject erasure.
CREATE INDEX auth_sessions_last_seen ON auth_sessions (last_seen_at);
CREATE INDEX auth_sessions_created ON auth_sessions (created_at);
CREATE INDEX auth_sessions_user ON auth_sessions (user_name);

-- A sign-in between the redirect to the provider and its callback. The
-- row is deleted when the callback redeems it, so a state works once.
CREATE TABLE auth_logins (
    state_hash    bytea PRIMARY KEY CHECK (length(state_hash) = 32),
    nonce         text NOT NULL,
    pkce_verifier text NOT NULL,
    next          text NOT NULL DEFAULT '/',
    created_at    timestamptz NOT NULL
);

CREATE INDEX auth_logins_created ON auth_logins (created_at);

-- API keys are revoked, not deleted, so the list keeps who had which key.
CREATE TABLE api_keys (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key_hash     bytea NOT NULL UNIQUE CHECK (length(key_hash) = 32),
    prefix       text NOT NULL,              -- "civ_" + 8 characters, to recognise a key
    name         text NOT NULL DEFAULT '',
    user_name    text NOT NULL CHECK (user_name <> ''),
    groups       text[] NOT NULL DEFAULT '{}',
    created_by   text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz,
    last_used_at timestamptz,
    revoked_at   timestamptz,
    revoked_by   text
);

CREATE INDEX api_keys_user ON api_keys (user_name);
