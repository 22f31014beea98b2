package auth

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Authenticator identifies the caller of a request by a chain of
// methods, first match wins: API key → bearer JWT → session cookie →
// the mode's own source (proxy headers or the development user).
// Credentials that are presented but wrong (a revoked key, a JWT for
// another audience) fail the request rather than fall through: a client
// that sends a key means to be that key's user. A stale session cookie
// does fall through, so that a developer is not locked out by an old one.
type Authenticator struct {
	cfg   Config
	store Store
	oidc  *OIDC // nil: no provider configured
	now   func() time.Time
}

// New returns an Authenticator over st. o is the discovered provider, or
// nil when none is configured (then bearer JWTs are refused and ModeOIDC
// has no login).
func New(cfg Config, st Store, o *OIDC) *Authenticator {
	return &Authenticator{cfg: cfg, store: st, oidc: o, now: time.Now}
}

// Roles names the groups that grant the product's roles.
func (a *Authenticator) Roles() Roles { return a.cfg.Roles.WithDefaults() }

// APIKeyMaxLifetime is the longest an API key may live.
func (a *Authenticator) APIKeyMaxLifetime() time.Duration {
	if a.cfg.APIKeyMaxLifetime > 0 {
		return a.cfg.APIKeyMaxLifetime
	}
	return DefaultAPIKeyMaxLifetime
}

// Mode is the effective mode (Config.EffectiveMode).
func (a *Authenticator) Mode() string { return a.cfg.EffectiveMode() }

// CanLogin reports whether browser sign-in through the provider exists.
func (a *Authenticator) CanLogin() bool { return a.oidc != nil && a.Mode() == ModeOIDC }

// Identify returns the caller of r, or an error wrapping
// ErrUnauthenticated when there is none; other errors are failures of
// the store.
func (a *Authenticator) Identify(r *http.Request) (User, error) {
	u, err := a.identify(r)
	if err != nil {
		return User{}, err
	}
	// Every source ends here, so every one is held to the same rule:
	// a proxy header or a claim with a malformed name identifies nobody.
	if err := CheckUserName(u.Name); err != nil {
		return User{}, fmt.Errorf("%s identity: %w: %w", u.Method, err, ErrUnauthenticated)
	}
	return u, nil
}

func (a *Authenticator) identify(r *http.Request) (User, error) {
	ctx := r.Context()
	if a.Mode() == ModeProxy {
		if err := a.cfg.checkProxyHeaders(r); err != nil {
			return User{}, err
		}
	}
	if token, ok := bearerToken(r); ok && (strings.HasPrefix(token, APIKeyPrefix) || a.oidc != nil) {
		return a.identifyBearer(ctx, token)
	}
	// Without a provider a bearer that is not one of our API keys is not
	// ours to judge: OpenAI clients always send some key, and behind an
	// authenticating proxy the proxy's headers say who the caller is.
	if c, err := r.Cookie(CookieName); err == nil && c.Value != "" && a.store != nil {
		u, found, err := a.session(ctx, c.Value)
		if err != nil {
			return User{}, err
		}
		if found {
			return u, nil
		}
	}
	return a.cfg.Identify(r)
}

func (a *Authenticator) identifyBearer(ctx context.Context, token string) (User, error) {
	if strings.HasPrefix(token, APIKeyPrefix) {
		if a.store == nil {
			return User{}, fmt.Errorf("API keys are not available: %w", ErrUnauthenticated)
		}
		return a.apiKey(ctx, token)
	}
	return a.oidc.bearer(ctx, token)
}

// bearerToken returns the token of an "Authorization: Bearer" header.
// Other schemes (a proxy's Basic credentials) are not ours to judge.
func bearerToken(r *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}
