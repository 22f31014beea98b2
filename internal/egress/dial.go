package egress

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"time"
)

// DialContext connects like net.Dialer.DialContext, but only to allowed
// addresses, decided after name resolution and for the very address that
// is dialled. Checking a URL's host once and then letting the HTTP client
// resolve it again would let a name that answers with a private address
// first and a public one next (DNS rebinding) slip through; here the name
// is resolved once, every answer is checked, and the checked IP literal
// is what gets dialled.
//
// A host named in g.Allow, or any host when g.AllowRemote is set, is
// dialled as is. Every refusal wraps ErrRefused.
func (g Guard) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return nil, fmt.Errorf("egress: %w", err)
	}
	host = strings.TrimSuffix(host, ".")
	remote := g.AllowRemote || slices.ContainsFunc(g.Allow, func(a string) bool { return strings.EqualFold(a, host) })
	addrs, err := g.resolve(ctx, host, remote)
	if err != nil {
		return nil, err
	}
	var d net.Dialer
	var errs []error
	for _, a := range addrs {
		c, err := d.DialContext(ctx, network, net.JoinHostPort(a.Unmap().String(), port))
		if err == nil {
			return c, nil
		}
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	return nil, errors.Join(errs...)
}

// Permits reports whether g lets addr be dialled without AllowRemote:
// Allowed, less link-local addresses when g.NoLinkLocal is set.
func (g Guard) Permits(addr netip.Addr) bool {
	addr = addr.Unmap()
	if g.NoLinkLocal && (addr.IsLinkLocalUnicast() || addr.IsLinkLocalMulticast()) {
		return false
	}
	return Allowed(addr)
}

// refused names what a refused address is, for the messages.
func (g Guard) refused() string {
	if g.NoLinkLocal {
		return "a public address (or link-local)"
	}
	return "a public address"
}

// resolve returns host's addresses when every one of them is allowed (or
// remote is set): one public answer among private ones is refused, as
// Check does.
func (g Guard) resolve(ctx context.Context, host string, remote bool) ([]netip.Addr, error) {
	const hint = "the source may reach only loopback and private (RFC 1918, fc00::/7) addresses " +
		"unless remote hosts are explicitly allowed for it"
	if a, err := netip.ParseAddr(host); err == nil {
		if !remote && !g.Permits(a) {
			return nil, fmt.Errorf("egress: %s is %s; %s: %w", host, g.refused(), hint, ErrRefused)
		}
		return []netip.Addr{a}, nil
	}
	r := g.Resolver
	if r == nil {
		r = net.DefaultResolver
	}
	addrs, err := r.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil, fmt.Errorf("egress: resolve %s: %w", host, err)
	}
	if len(addrs) == 0 {
		return nil, fmt.Errorf("egress: %s has no address", host)
	}
	for _, a := range addrs {
		if !remote && !g.Permits(a) {
			return nil, fmt.Errorf("egress: %s resolves to %s, %s; %s: %w", host, a.Unmap(), g.refused(), hint, ErrRefused)
		}
	}
	return addrs, nil
}

// Transport returns an HTTP transport whose every connection, redirects
// included, goes through g.DialContext. It uses no proxy: a proxy would
// be the only address dialled and the guard would never see the real
// destination.
func (g Guard) Transport() *http.Transport {
	return &http.Transport{
		Proxy:                 nil,
		DialContext:           g.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          16,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       60 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 30 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}

// GuardClient returns a copy of hc (nil: a plain client) whose transport
// dials through g. Its transport must be nil or an *http.Transport, which
// is cloned, so a caller cannot hand in a client that bypasses the guard.
func (g Guard) GuardClient(hc *http.Client) (*http.Client, error) {
	out := &http.Client{}
	if hc != nil {
		*out = *hc
	}
	switch t := out.Transport.(type) {
	case nil:
		out.Transport = g.Transport()
	case *http.Transport:
		c := t.Clone()
		c.Proxy = nil
		c.DialContext = g.DialContext
		c.DialTLSContext = nil // would dial without the guard
		//lint:ignore SA1019 a deprecated hook still dials if set: cleared for the same reason
		c.DialTLS = nil
		//lint:ignore SA1019 as above
		c.Dial = nil
		out.Transport = c
	default:
		return nil, fmt.Errorf("egress: the HTTP client's transport is a %T; only *http.Transport can be guarded", t)
	}
	return out, nil
}
