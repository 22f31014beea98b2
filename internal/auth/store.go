package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"time"
)

// Session is a browser session created by an OpenID Connect login. Only
// the SHA-256 of its token is stored: a copy of the table (a backup, a
// replica, an SQL injection elsewhere) hands out no usable cookie.
type Session struct {
	TokenHash  []byte
	User       string
	Groups     []string
	Subject    string // the provider's "sub"
	CreatedAt  time.Time
	LastSeenAt time.Time
}

// Login is a sign-in in progress: what the callback must match. It is
// kept server-side, keyed by the hash of its state, so the PKCE verifier
// and nonce never travel through the browser, and a callback can be
// redeemed once only (Store.TakeLogin deletes it).
type Login struct {
	StateHash []byte
	Nonce     string
	Verifier  string // PKCE code verifier
	Next      string // same-origin path to return to
	CreatedAt time.Time
}

// APIKey is a key an admin issued to a user for API clients. The key
// itself is shown once at creation; only its hash and a short prefix (to
// recognise it in a list) are stored.
type APIKey struct {
	ID         int64      `json:"id"`
	Hash       []byte     `json:"-"`
	Prefix     string     `json:"prefix"`
	Name       string     `json:"name"`
	User       string     `json:"user"`
	Groups     []string   `json:"groups"`
	CreatedBy  string     `json:"created_by"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  *time.Time `json:"expires_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
}

// Store keeps sessions, pending logins and API keys. Lookups return
// found=false (and a nil error) for a missing row; an error means the
// store itself failed.
type Store interface {
	// CreateSession stores s, and deletes sessions that expired before
	// the given cut-offs (so the table stays small without a background
	// job). Pending logins are CreateLogin's to delete.
	CreateSession(ctx context.Context, s Session, idleBefore, createdBefore time.Time) error
	Session(ctx context.Context, tokenHash []byte) (s Session, found bool, err error)
	TouchSession(ctx context.Context, tokenHash []byte, at time.Time) error
	DeleteSession(ctx context.Context, tokenHash []byte) error

	// CreateLogin stores l, and first deletes pending logins created
	// before expiredBefore: anyone can start a sign-in without being
	// signed in, so the table must not grow with abandoned ones.
	CreateLogin(ctx context.Context, l Login, expiredBefore time.Time) error
	// TakeLogin returns and deletes the login with stateHash, if it was
	// created after createdAfter.
	TakeLogin(ctx context.Context, stateHash []byte, createdAfter time.Time) (l Login, found bool, err error)

	APIKeyByHash(ctx context.Context, hash []byte) (k APIKey, found bool, err error)
	TouchAPIKey(ctx context.Context, id int64, at time.Time) error
}

// Hash is how every secret token is stored: SHA-256. A slow password hash
// (bcrypt, argon2) defends low-entropy secrets against guessing; these
// tokens are 32 random bytes, which no guessing reaches, and a fast hash
// lets each request find its row through a unique index.
func Hash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// randomToken returns 32 random bytes, base64url without padding.
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}
