package auth

// The relying party is go-oidc + x/oauth2 rather than zitadel/oidc's rp
// package: go-oidc does only verification (discovery, JWKS with key
// rotation, issuer/audience/expiry/signature checks) and x/oauth2 only the
// code exchange with PKCE, so every step of the flow — state, nonce, the
// PKCE verifier, where they are kept — is visible here and under our
// control, with two small, widely audited dependencies. zitadel's rp
// bundles its own cookie handler and state storage, which we would have
// to work around to keep login state in PostgreSQL. The test provider
// (oidctest) is built on zitadel/oidc's OpenID-certified op package, so
// the two sides are independent implementations.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// Defaults of OIDCConfig.
const (
	DefaultUsernameClaim = "preferred_username"
	DefaultGroupsClaim   = "groups"
)

// OIDCConfig configures the OpenID Connect relying party.
type OIDCConfig struct {
	Issuer       string
	ClientID     string
	ClientSecret string // empty for a public client (PKCE alone)
	RedirectURL  string // our /auth/callback as the provider knows it
	// Scopes requested at login; "openid" is always included.
	Scopes []string
	// UsernameClaim names the user; "email" and "sub" are the fallbacks.
	UsernameClaim string
	// GroupsClaim holds the groups: a JSON array, or a string separated
	// by commas (never spaces: a group name may contain one).
	GroupsClaim string
	// ExtraAudiences are accepted in bearer JWTs besides ClientID (an API
	// registered as its own audience at the provider).
	ExtraAudiences []string
}

// OIDC is a discovered provider: the login flow and the bearer verifier.
type OIDC struct {
	cfg      OIDCConfig
	provider *oidc.Provider
	oauth    oauth2.Config
	verifier *oidc.IDTokenVerifier // audience checked by us (ExtraAudiences)
	client   *http.Client          // for the provider's token and userinfo endpoints
}

// Discover reads the provider's discovery document (network I/O). hc may
// be nil for http.DefaultClient.
func Discover(ctx context.Context, cfg OIDCConfig, hc *http.Client) (*OIDC, error) {
	if cfg.Issuer == "" || cfg.ClientID == "" {
		return nil, errors.New("auth: OIDC needs an issuer and a client id")
	}
	if hc == nil {
		hc = http.DefaultClient
	}
	if cfg.UsernameClaim == "" {
		cfg.UsernameClaim = DefaultUsernameClaim
	}
	if cfg.GroupsClaim == "" {
		cfg.GroupsClaim = DefaultGroupsClaim
	}
	p, err := oidc.NewProvider(oidc.ClientContext(ctx, hc), cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("auth: discover OpenID provider %s: %w", cfg.Issuer, err)
	}
	scopes := []string{oidc.ScopeOpenID}
	for _, s := range cfg.Scopes {
		if !slices.Contains(scopes, s) {
			scopes = append(scopes, s)
		}
	}
	return &OIDC{
		cfg:      cfg,
		provider: p,
		oauth: oauth2.Config{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, Endpoint: p.Endpoint(),
			RedirectURL: cfg.RedirectURL, Scopes: scopes},
		verifier: p.Verifier(&oidc.Config{SkipClientIDCheck: true}),
		client:   hc,
	}, nil
}

// BeginLogin starts a sign-in that returns to next: it stores the login
// and returns the provider's authorization URL and the state, which the
// caller binds to the browser (a cookie) against login CSRF.
func (a *Authenticator) BeginLogin(ctx context.Context, next string) (authURL, state string, err error) {
	if a.oidc == nil {
		return "", "", errors.New("auth: OpenID Connect is not configured")
	}
	state, nonce, verifier := randomToken(), randomToken(), oauth2.GenerateVerifier()
	l := Login{StateHash: Hash(state), Nonce: nonce, Verifier: verifier, Next: next, CreatedAt: a.now()}
	if err := a.store.CreateLogin(ctx, l, l.CreatedAt.Add(-loginTTL)); err != nil {
		return "", "", fmt.Errorf("auth: store login: %w", err)
	}
	return a.oidc.oauth.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)), state, nil
}

// ErrLogin is returned when a sign-in callback fails verification; the
// wrapped text says why, for the log.
var ErrLogin = errors.New("sign-in failed")

// FinishLogin completes the sign-in of a callback with code and state:
// it redeems the stored login (once), exchanges the code with the PKCE
// verifier, verifies the ID token and its nonce, and returns the user,
// the provider's subject and the path to return to.
func (a *Authenticator) FinishLogin(ctx context.Context, code, state string) (u User, subject, next string, err error) {
	if a.oidc == nil {
		return User{}, "", "", errors.New("auth: OpenID Connect is not configured")
	}
	l, found, err := a.store.TakeLogin(ctx, Hash(state), a.now().Add(-loginTTL))
	if err != nil {
		return User{}, "", "", fmt.Errorf("auth: redeem login: %w", err)
	}
	if !found {
		return User{}, "", "", fmt.Errorf("%w: unknown, used or expired state", ErrLogin)
	}
	cctx := oidc.ClientContext(ctx, a.oidc.client)
	tok, err := a.oidc.oauth.Exchange(cctx, code, oauth2.VerifierOption(l.Verifier))
	if err != nil {
		return User{}, "", "", fmt.Errorf("%w: exchange code: %w", ErrLogin, err)
	}
	raw, ok := tok.Extra("id_token").(string)
	if !ok {
		return User{}, "", "", fmt.Errorf("%w: no id_token in the token response", ErrLogin)
	}
	idt, err := a.oidc.verify(ctx, raw, []string{a.oidc.cfg.ClientID})
	if err != nil {
		return User{}, "", "", fmt.Errorf("%w: %w", ErrLogin, err)
	}
	if idt.Nonce != l.Nonce {
		return User{}, "", "", fmt.Errorf("%w: nonce mismatch", ErrLogin)
	}
	claims := map[string]any{}
	if err := idt.Claims(&claims); err != nil {
		return User{}, "", "", fmt.Errorf("%w: decode ID token claims: %w", ErrLogin, err)
	}
	// Many providers put the profile and groups only into userinfo when
	// an access token is issued; fetch it when the ID token lacks them.
	if _, hasGroups := claims[a.oidc.cfg.GroupsClaim]; (!hasGroups || claims[a.oidc.cfg.UsernameClaim] == nil) && a.oidc.provider.UserInfoEndpoint() != "" {
		info, err := a.oidc.provider.UserInfo(cctx, oauth2.StaticTokenSource(tok))
		if err != nil {
			return User{}, "", "", fmt.Errorf("%w: userinfo: %w", ErrLogin, err)
		}
		if info.Subject != idt.Subject { // OIDC Core 5.3.2: must match
			return User{}, "", "", fmt.Errorf("%w: userinfo subject differs from the ID token's", ErrLogin)
		}
		extra := map[string]any{}
		if err := info.Claims(&extra); err != nil {
			return User{}, "", "", fmt.Errorf("%w: decode userinfo: %w", ErrLogin, err)
		}
		for k, v := range extra {
			if _, ok := claims[k]; !ok {
				claims[k] = v
			}
		}
	}
	u, err = a.oidc.user(claims, MethodOIDC)
	if err != nil {
		return User{}, "", "", fmt.Errorf("%w: %w", ErrLogin, err)
	}
	return u, idt.Subject, l.Next, nil
}

// bearer verifies a JWT sent as a bearer token: signature against the
// provider's JWKS, issuer, expiry, and an audience we accept.
func (o *OIDC) bearer(ctx context.Context, raw string) (User, error) {
	idt, err := o.verify(ctx, raw, append([]string{o.cfg.ClientID}, o.cfg.ExtraAudiences...))
	if err != nil {
		return User{}, fmt.Errorf("bearer token: %w: %w", err, ErrUnauthenticated)
	}
	claims := map[string]any{}
	if err := idt.Claims(&claims); err != nil {
		return User{}, fmt.Errorf("bearer token claims: %w: %w", err, ErrUnauthenticated)
	}
	u, err := o.user(claims, MethodBearer)
	if err != nil {
		return User{}, fmt.Errorf("bearer token: %w: %w", err, ErrUnauthenticated)
	}
	return u, nil
}

// verify checks raw and that its audience includes one of audiences.
func (o *OIDC) verify(ctx context.Context, raw string, audiences []string) (*oidc.IDToken, error) {
	idt, err := o.verifier.Verify(oidc.ClientContext(ctx, o.client), raw)
	if err != nil {
		return nil, fmt.Errorf("verify token: %w", err)
	}
	for _, aud := range idt.Audience {
		if slices.Contains(audiences, aud) {
			return idt, nil
		}
	}
	return nil, fmt.Errorf("token audience %v is not ours", idt.Audience)
}

// user maps claims to a user: the name from the configured claim (else
// email, else sub), the groups from the groups claim.
func (o *OIDC) user(claims map[string]any, method string) (User, error) {
	var name string
	for _, c := range []string{o.cfg.UsernameClaim, "email", "sub"} {
		if s, ok := claims[c].(string); ok && strings.TrimSpace(s) != "" {
			name = strings.TrimSpace(s)
			break
		}
	}
	if name == "" {
		return User{}, fmt.Errorf("no user name in claim %q, email or sub", o.cfg.UsernameClaim)
	}
	// A session made from this name outlives the login: refuse it here.
	if err := CheckUserName(name); err != nil {
		return User{}, fmt.Errorf("user name claim: %w", err)
	}
	groups, err := GroupsClaim(claims[o.cfg.GroupsClaim])
	if err != nil {
		return User{}, fmt.Errorf("claim %q: %w", o.cfg.GroupsClaim, err)
	}
	return User{Name: name, Groups: groups, Method: method}, nil
}

// GroupsClaim reads a groups claim: absent, a JSON array of strings, or
// one comma-separated string. Spaces do not separate: the directory group
// "IT admin" must not become the group "admin".
func GroupsClaim(v any) ([]string, error) {
	switch v := v.(type) {
	case nil:
		return []string{}, nil
	case string:
		return ParseGroups(v), nil
	case []any:
		gs := make([]string, len(v))
		for i, g := range v {
			s, ok := g.(string)
			if !ok {
				return nil, fmt.Errorf("group %v is not a string", g)
			}
			gs[i] = s
		}
		return CleanGroups(gs), nil
	default:
		return nil, fmt.Errorf("want an array or a string, got %T", v)
	}
}

// CleanGroups trims each group name and drops empty ones and duplicates,
// keeping the first of each in order. It never returns nil.
func CleanGroups(gs []string) []string {
	out := []string{}
	for _, g := range gs {
		if g = strings.TrimSpace(g); g != "" && !slices.Contains(out, g) {
			out = append(out, g)
		}
	}
	return out
}
