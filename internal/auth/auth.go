// Package auth establishes who is calling: the user name and the access
// groups that decide which documents they may see. For now identity comes
// from a trusted reverse proxy (which authenticates the user and sets
// headers) or, on a developer's machine, from a fixed development user.
//
// The user travels in the request context under a private key, so that
// every layer (handlers, store queries, the answer record) reads the same
// identity and none can forge it.
package auth

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
)

// Groups with a role in the product itself, beyond document access: the
// identity provider (or proxy) puts users into them.
const (
	// GroupKnowledgeManager may upload, re-ingest and delete documents.
	GroupKnowledgeManager = "knowledge-manager"
	// GroupAdmin manages models, API keys and settings.
	GroupAdmin = "admin"
	// GroupAuditor may read and export the audit trail.
	GroupAuditor = "auditor"
)

// User is an authenticated caller.
type User struct {
	Name   string
	Groups []string
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
	// ProxyHeaders trusts UserHeader and GroupsHeader, set by an
	// authenticating reverse proxy in front of the assistant. Requests
	// without the user header are then rejected. Enable it only when the
	// assistant is reachable through that proxy alone.
	ProxyHeaders bool
	UserHeader   string // e.g. "X-Forwarded-User"
	GroupsHeader string // e.g. "X-Forwarded-Groups", comma-separated
	// DevUser and DevGroups identify every request when ProxyHeaders is
	// off: a single-user development setup.
	DevUser   string
	DevGroups []string
}

// ErrUnauthenticated is returned when a request carries no identity.
var ErrUnauthenticated = errors.New("no authenticated user")

// Identify returns the caller of r under cfg.
func (cfg Config) Identify(r *http.Request) (User, error) {
	if !cfg.ProxyHeaders {
		return User{Name: cfg.DevUser, Groups: slices.Clone(cfg.DevGroups)}, nil
	}
	name := strings.TrimSpace(r.Header.Get(cfg.UserHeader))
	if name == "" {
		return User{}, ErrUnauthenticated
	}
	return User{Name: name, Groups: ParseGroups(r.Header.Get(cfg.GroupsHeader))}, nil
}

// ParseGroups splits a comma- or space-separated group list, dropping
// empty entries and duplicates.
func ParseGroups(s string) []string {
	out := []string{}
	for g := range strings.FieldsFuncSeq(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		if !slices.Contains(out, g) {
			out = append(out, g)
		}
	}
	return out
}
