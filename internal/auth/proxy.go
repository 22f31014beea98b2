package auth

import (
	"fmt"
	"net/http"
	"net/netip"
	"slices"
	"strings"
)

// proxyUser reads the identity headers of the authenticating reverse
// proxy. They are believed only from a peer in TrustedProxies: anyone
// else who reaches the port could write them. A header sent more than
// once is refused too: a proxy that appends rather than replaces would
// otherwise let the client's copy (the first) win.
func (cfg Config) proxyUser(r *http.Request) (User, error) {
	if err := cfg.checkProxyHeaders(r); err != nil {
		return User{}, err
	}
	if !cfg.fromTrustedProxy(r) {
		return User{}, fmt.Errorf("peer %s is not a trusted proxy: %w", r.RemoteAddr, ErrUnauthenticated)
	}
	name := strings.TrimSpace(r.Header.Get(cfg.UserHeader))
	if name == "" {
		return User{}, ErrUnauthenticated
	}
	return User{Name: name, Groups: ParseGroups(r.Header.Get(cfg.GroupsHeader)), Method: MethodProxy}, nil
}

// checkProxyHeaders refuses identity headers that no trusted proxy can
// have set alone: repeated ones, and any from an untrusted peer. It runs
// before every other credential, so that a request carrying forged
// headers is refused whatever else it carries.
func (cfg Config) checkProxyHeaders(r *http.Request) error {
	present := false
	for _, h := range []string{cfg.UserHeader, cfg.GroupsHeader} {
		if h == "" {
			continue
		}
		switch n := len(r.Header.Values(h)); {
		case n > 1:
			return fmt.Errorf("header %s sent %d times: %w", h, n, ErrUnauthenticated)
		case n == 1:
			present = true
		}
	}
	if present && !cfg.fromTrustedProxy(r) {
		return fmt.Errorf("identity headers from %s, which is not a trusted proxy: %w", r.RemoteAddr, ErrUnauthenticated)
	}
	return nil
}

// fromTrustedProxy reports whether r's peer is in TrustedProxies.
func (cfg Config) fromTrustedProxy(r *http.Request) bool {
	peer, ok := peerAddr(r)
	return ok && slices.ContainsFunc(cfg.TrustedProxies, func(p netip.Prefix) bool { return p.Contains(peer) })
}

// peerAddr is the address the connection comes from (never a header:
// X-Forwarded-For is the client's to write).
func peerAddr(r *http.Request) (netip.Addr, bool) {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}, false
	}
	return ap.Addr().Unmap(), true
}

// Roles names the groups that grant the product's roles, so that a city
// maps them to its directory's own group names.
type Roles struct {
	Admin            string
	Auditor          string
	KnowledgeManager string
}

// WithDefaults fills empty names with the Group* defaults.
func (r Roles) WithDefaults() Roles {
	if r.Admin == "" {
		r.Admin = GroupAdmin
	}
	if r.Auditor == "" {
		r.Auditor = GroupAuditor
	}
	if r.KnowledgeManager == "" {
		r.KnowledgeManager = GroupKnowledgeManager
	}
	return r
}

// Names lists the role groups.
func (r Roles) Names() []string {
	r = r.WithDefaults()
	return []string{r.Admin, r.Auditor, r.KnowledgeManager}
}
