// Package auth establishes who is calling: the user name and the access
// groups that decide which documents they may see. An Authenticator tries,
// in order: a per-user API key, a bearer JWT issued by the OpenID Connect
// provider, a browser session created by an OpenID Connect login, and
// finally the mode's own source — headers of a trusted reverse proxy, or a
// fixed development user. Sessions, pending logins and API keys live in a
// Store (PostgreSQL in production); HTTP handlers stay in internal/server.
//
// The user travels in the request context under a private key, so that
// every layer (handlers, store queries, the answer record) reads the same
// identity and none can forge it.
package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"time"
)

// Default names of the groups with a role in the product itself, beyond
// document access: the identity provider (or proxy) puts users into them.
// A city whose directory names them otherwise sets Config.Roles. They are
// defaults only: every authorization decision asks the configured Roles
// (Authenticator.Roles), since with a role renamed a directory group that
// happens to carry the default name grants nothing
// (TestRoleGroupConstantsOnlyDefaults keeps it so).
const (
	// GroupKnowledgeManager may upload, re-ingest and delete documents.
	GroupKnowledgeManager = "knowledge-manager"
	// GroupAdmin manages models, API keys and settings.
	GroupAdmin = "admin"
	// GroupAuditor may read and export the audit trail.
	GroupAuditor = "auditor"
)

// Methods by which a caller was identified (User.Method).
const (
	MethodOIDC   = "oidc"   // a session created by an OpenID Connect login
	MethodProxy  = "proxy"  // headers of a trusted reverse proxy
	MethodDev    = "dev"    // the fixed development user
	MethodAPIKey = "apikey" // an API key an admin issued
	MethodBearer = "bearer" // a JWT from the OpenID Connect provider
)

// Modes of the assistant (Config.Mode): where browser users come from.
const (
	ModeDev   = "dev"
	ModeProxy = "proxy"
	ModeOIDC  = "oidc"
)

// User is an authenticated caller.
type User struct {
	Name   string
	Groups []string
	// Method says how the caller was identified (Method* constants).
	Method string
}

// InGroup reports whether the user belongs to group.
func (u User) InGroup(group string) bool { return slices.Contains(u.Groups, group) }

type contextKey struct{}

// NewContext returns ctx carrying u.
func NewContext(ctx context.Context, u User) context.Context {
	return context.WithValue(ctx, contextKey{}, u)
}

// FromContext returns the user in ctx, if any.
func FromContext(ctx context.Context) (User, bool) {
	u, ok := ctx.Value(contextKey{}).(User)
	return u, ok
}

// Config chooses how identity is established.
type Config struct {
	// Mode is ModeDev, ModeProxy or ModeOIDC. Empty means ModeProxy when
	// ProxyHeaders is set, else ModeDev (the behaviour before OIDC).
	Mode string
	// ProxyHeaders trusts UserHeader and GroupsHeader, set by an
	// authenticating reverse proxy in front of the assistant. Requests
	// without the user header are then rejected.
	ProxyHeaders bool
	UserHeader   string // e.g. "X-Forwarded-User"
	GroupsHeader string // e.g. "X-Forwarded-Groups", comma-separated
	// TrustedProxies are the networks the proxy connects from: identity
	// headers from any other peer are refused, and so is every request
	// in proxy mode when it is empty (fail closed).
	TrustedProxies []netip.Prefix
	// DevUser and DevGroups identify every request when ProxyHeaders is
	// off: a single-user development setup, answered on loopback only.
	DevUser   string
	DevGroups []string
	// Roles names the groups that grant the product's roles; empty names
	// take the defaults (Group* constants).
	Roles Roles
	// APIKeyMaxLifetime bounds an API key's lifetime; zero means
	// DefaultAPIKeyMaxLifetime.
	APIKeyMaxLifetime time.Duration

	// OIDC configures the OpenID Connect relying party: the browser login
	// in ModeOIDC, and bearer JWTs in every mode when Issuer is set.
	OIDC OIDCConfig
	// Session bounds browser sessions.
	Session SessionConfig
}

// EffectiveMode resolves an empty Mode.
func (cfg Config) EffectiveMode() string {
	switch {
	case cfg.Mode != "":
		return cfg.Mode
	case cfg.ProxyHeaders:
		return ModeProxy
	default:
		return ModeDev
	}
}

// ErrUnauthenticated is returned when a request carries no identity.
var ErrUnauthenticated = errors.New("no authenticated user")

// Identify returns the caller of r by the mode's own source alone: proxy
// headers or the development user. In ModeOIDC it has none and returns
// ErrUnauthenticated; the Authenticator tries credentials first.
func (cfg Config) Identify(r *http.Request) (User, error) {
	switch cfg.EffectiveMode() {
	case ModeDev:
		// Configuration keeps dev mode on a loopback listen address; this
		// is the second lock, should a listener be shared or forwarded.
		if peer, ok := peerAddr(r); !ok || !peer.IsLoopback() {
			return User{}, fmt.Errorf("development sign-in answers loopback peers only, not %s: %w", r.RemoteAddr, ErrUnauthenticated)
		}
		return User{Name: cfg.DevUser, Groups: slices.Clone(cfg.DevGroups), Method: MethodDev}, nil
	case ModeProxy:
		return cfg.proxyUser(r)
	default:
		return User{}, ErrUnauthenticated
	}
}

// ParseGroups splits a comma-separated group list, trimming each name and
// dropping empty entries and duplicates. Spaces belong to a name: a
// directory group "IT admin" is not the group "admin".
func ParseGroups(s string) []string { return CleanGroups(strings.Split(s, ",")) }
