package auth

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// Defaults of SessionConfig.
const (
	DefaultSessionIdle = 30 * time.Minute
	DefaultSessionMax  = 12 * time.Hour
	// touchEvery limits writes: a session's last-seen time is moved at
	// most once a minute, not on every request.
	touchEvery = time.Minute
	// loginTTL is how long a started sign-in may take.
	loginTTL = 10 * time.Minute
)

// CookieName is the session cookie.
const CookieName = "civitas_session"

// SessionConfig bounds browser sessions.
type SessionConfig struct {
	// Idle ends a session not used for this long (sliding).
	Idle time.Duration
	// Max ends a session this long after sign-in, however busy.
	Max time.Duration
	// CookieInsecure drops the Secure attribute, for plain-http
	// development only: browsers then send the cookie over http.
	CookieInsecure bool
}

func (c SessionConfig) idle() time.Duration {
	if c.Idle > 0 {
		return c.Idle
	}
	return DefaultSessionIdle
}

func (c SessionConfig) max() time.Duration {
	if c.Max > 0 {
		return c.Max
	}
	return DefaultSessionMax
}

// NewSession stores a session for u and returns its token, the cookie
// value. It also clears expired sessions.
func (a *Authenticator) NewSession(ctx context.Context, u User, subject string) (string, error) {
	token := randomToken()
	now := a.now()
	s := Session{TokenHash: Hash(token), User: u.Name, Groups: slices.Clone(u.Groups), Subject: subject, CreatedAt: now, LastSeenAt: now}
	if err := a.store.CreateSession(ctx, s, now.Add(-a.cfg.Session.idle()), now.Add(-a.cfg.Session.max())); err != nil {
		return "", fmt.Errorf("auth: create session for %s: %w", u.Name, err)
	}
	return token, nil
}

// EndSession deletes the session with token; an unknown token is no error.
func (a *Authenticator) EndSession(ctx context.Context, token string) error {
	if err := a.store.DeleteSession(ctx, Hash(token)); err != nil {
		return fmt.Errorf("auth: end session: %w", err)
	}
	return nil
}

// session returns the user of a live session with token. An expired
// session is deleted and, like an unknown one, reported as not found.
func (a *Authenticator) session(ctx context.Context, token string) (User, bool, error) {
	h := Hash(token)
	s, found, err := a.store.Session(ctx, h)
	if err != nil || !found {
		return User{}, false, err
	}
	now := a.now()
	if now.Sub(s.LastSeenAt) > a.cfg.Session.idle() || now.Sub(s.CreatedAt) > a.cfg.Session.max() {
		if err := a.store.DeleteSession(ctx, h); err != nil {
			return User{}, false, fmt.Errorf("auth: delete expired session: %w", err)
		}
		return User{}, false, nil
	}
	if now.Sub(s.LastSeenAt) >= touchEvery {
		if err := a.store.TouchSession(ctx, h, now); err != nil {
			return User{}, false, fmt.Errorf("auth: touch session: %w", err)
		}
	}
	return User{Name: s.User, Groups: s.Groups, Method: MethodOIDC}, true, nil
}

// CookieSecure reports whether cookies carry the Secure attribute.
func (a *Authenticator) CookieSecure() bool { return !a.cfg.Session.CookieInsecure }
