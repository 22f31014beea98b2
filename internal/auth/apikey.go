package auth

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// APIKeyPrefix starts every API key, so that a bearer token is told apart
// from a JWT at a glance, and secret scanners can recognise leaked keys.
const APIKeyPrefix = "civ_"

// prefixLen is how much of a key is kept in clear to identify it in a
// list: "civ_" and 8 characters (48 bits), too little to guess the rest.
const prefixLen = len(APIKeyPrefix) + 8

// NewAPIKey returns a new random key, to show once, and its record
// without ID and times (the caller fills in user, groups, name).
func NewAPIKey() (key string, k APIKey) {
	key = APIKeyPrefix + randomToken()
	return key, APIKey{Hash: Hash(key), Prefix: key[:prefixLen]}
}

// apiKey returns the user an API key stands for. A revoked, expired or
// unknown key is an ErrUnauthenticated error.
func (a *Authenticator) apiKey(ctx context.Context, key string) (User, error) {
	if len(key) < prefixLen || !strings.HasPrefix(key, APIKeyPrefix) {
		return User{}, fmt.Errorf("malformed API key: %w", ErrUnauthenticated)
	}
	k, found, err := a.store.APIKeyByHash(ctx, Hash(key))
	if err != nil {
		return User{}, fmt.Errorf("auth: look up API key: %w", err)
	}
	now := a.now()
	switch {
	case !found:
		return User{}, fmt.Errorf("unknown API key: %w", ErrUnauthenticated)
	case k.RevokedAt != nil:
		return User{}, fmt.Errorf("API key %s revoked: %w", k.Prefix, ErrUnauthenticated)
	case k.ExpiresAt != nil && !now.Before(*k.ExpiresAt):
		return User{}, fmt.Errorf("API key %s expired: %w", k.Prefix, ErrUnauthenticated)
	}
	if k.LastUsedAt == nil || now.Sub(*k.LastUsedAt) >= touchEvery {
		if err := a.store.TouchAPIKey(ctx, k.ID, now); err != nil {
			return User{}, fmt.Errorf("auth: touch API key %s: %w", k.Prefix, err)
		}
	}
	return User{Name: k.User, Groups: k.Groups, Method: MethodAPIKey}, nil
}

// DefaultAPIKeyMaxLifetime bounds API keys when Config.APIKeyMaxLifetime
// is unset: a key that leaks stops working within it, and a key nobody
// uses any more does not stay a standing credential.
const DefaultAPIKeyMaxLifetime = 90 * 24 * time.Hour

// APIKeyExpiry returns when a new API key expires: at exp, which must be
// in the future and at most max from now, or, without exp, max from now.
// No key lives forever.
func APIKeyExpiry(exp *time.Time, now time.Time, max time.Duration) (time.Time, error) {
	limit := now.Add(max)
	switch {
	case exp == nil:
		return limit, nil
	case !exp.After(now):
		return time.Time{}, fmt.Errorf("expires_at %s is not in the future", exp.Format(time.RFC3339))
	case exp.After(limit):
		return time.Time{}, fmt.Errorf("expires_at %s is beyond the longest lifetime of an API key (%s, until %s)",
			exp.Format(time.RFC3339), lifetime(max), limit.Format(time.RFC3339))
	}
	return *exp, nil
}

// lifetime says d in days when it is whole days, as the setting is given.
func lifetime(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%d days", d/(24*time.Hour))
	}
	return d.String()
}
