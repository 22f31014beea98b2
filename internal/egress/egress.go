// Package egress keeps Civitas's own connections inside the city's
// network. Sovereignty is the reason a city runs a local assistant: its
// questions, documents and answers must not leave its infrastructure by a
// mistyped URL. So, by default, both binaries refuse to start when the
// Ollama server or the database is anywhere but on a loopback, private
// (RFC 1918, fc00::/7) or link-local address or a unix socket, and say
// which setting points where. A host an operator does want to reach
// outside those ranges is allowed by name (--allow-remote-host).
//
// Host names are resolved and every address they resolve to must be
// allowed: a name that resolves to one private and one public address
// could be dialled at the public one.
//
// Sources that fetch URLs found at run time (web pages, OParl files)
// dial through Guard.DialContext, which checks the address it is about to
// dial rather than a name resolved earlier; a source may opt in to
// remote hosts explicitly (Guard.AllowRemote).
package egress

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/civitas-eu/civitas/internal/config"
)

// Resolver resolves host names; *net.Resolver implements it.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Guard decides which endpoints may be used.
type Guard struct {
	// Allow names hosts that may be reached wherever they are.
	Allow []string
	// Resolver resolves host names; nil means net.DefaultResolver.
	Resolver Resolver
	// AllowRemote lets every host be reached: the explicit opt-in one
	// source (a public council information system) may carry.
	AllowRemote bool
	// NoLinkLocal refuses link-local addresses (169.254.0.0/16, fe80::/10)
	// too: there the cloud metadata service answers, which hands out
	// credentials and is no place for documents. Sources set it; the
	// operator's own settings (Ollama, database) do not.
	NoLinkLocal bool
}

// Target is one configured endpoint: the setting that names it (for the
// message) and the hosts it connects to.
type Target struct {
	Setting string   // e.g. "--ollama-url (CIVITAS_OLLAMA_URL)"
	Hosts   []string // host names, IP literals or unix socket paths
}

// ErrRefused is wrapped by every refusal.
var ErrRefused = errors.New("refused: not a local or private address")

// Allowed reports whether addr is on this machine or in a private
// network: loopback, RFC 1918 and fc00::/7 private ranges, or link-local.
// The unspecified address (0.0.0.0, ::) counts as loopback, as dialling
// it reaches this machine.
func Allowed(addr netip.Addr) bool {
	addr = addr.Unmap()
	return addr.IsLoopback() || addr.IsPrivate() || addr.IsLinkLocalUnicast() || addr.IsUnspecified()
}

// Check returns an error naming every target host that is not allowed,
// or nil.
func (g Guard) Check(ctx context.Context, targets ...Target) error {
	var errs []error
	for _, t := range targets {
		for _, h := range t.Hosts {
			if err := g.checkHost(ctx, h); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", t.Setting, err))
			}
		}
	}
	return errors.Join(errs...)
}

func (g Guard) checkHost(ctx context.Context, host string) error {
	if strings.HasPrefix(host, "/") || host == "" {
		return nil // a unix socket (pgx's default when no host is given)
	}
	host = strings.TrimSuffix(strings.Trim(host, "[]"), ".")
	if g.AllowRemote {
		return nil
	}
	if slices.ContainsFunc(g.Allow, func(a string) bool { return strings.EqualFold(a, host) }) {
		return nil
	}
	const hint = "Civitas talks only to loopback, private (RFC 1918, fc00::/7) and link-local addresses; " +
		"to allow this host, add it to --allow-remote-host (CIVITAS_ALLOW_REMOTE_HOSTS)"
	if addr, err := netip.ParseAddr(host); err == nil {
		if g.Permits(addr) {
			return nil
		}
		return fmt.Errorf("%s is %s. %s: %w", host, g.refused(), hint, ErrRefused)
	}
	r := g.Resolver
	if r == nil {
		r = net.DefaultResolver
	}
	addrs, err := r.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return fmt.Errorf("cannot resolve %s to check that it is local (%v). %s: %w", host, err, hint, ErrRefused)
	}
	for _, a := range addrs {
		if !g.Permits(a) {
			return fmt.Errorf("%s resolves to %s, %s. %s: %w", host, a.Unmap(), g.refused(), hint, ErrRefused)
		}
	}
	return nil
}

// URLTarget is the endpoint of a URL setting.
func URLTarget(setting string, u *url.URL) Target {
	return Target{Setting: setting, Hosts: []string{u.Hostname()}}
}

// DatabaseTarget is the endpoint of a PostgreSQL connection string: every
// host it names, fallbacks included.
func DatabaseTarget(setting, dsn string) (Target, error) {
	cfg, err := pgconn.ParseConfig(dsn)
	if err != nil {
		return Target{}, fmt.Errorf("%s: parse database URL: %w", setting, err)
	}
	t := Target{Setting: setting, Hosts: []string{cfg.Host}}
	for _, f := range cfg.Fallbacks {
		t.Hosts = append(t.Hosts, f.Host)
	}
	return t, nil
}

// CheckConfig checks the Ollama, chat, embedding, database and S3 endpoints
// of cfg, allowing the hosts of cfg.AllowRemoteHosts.
func CheckConfig(ctx context.Context, cfg config.Config, r Resolver) error {
	db, err := DatabaseTarget(config.Describe("database-url"), cfg.DatabaseURL)
	if err != nil {
		return err
	}
	targets := []Target{URLTarget(config.Describe("ollama-url"), cfg.OllamaURL), db}
	if cfg.Database.ReadURL != "" {
		read, err := DatabaseTarget(config.Describe("database-read-url"), cfg.Database.ReadURL)
		if err != nil {
			return err
		}
		targets = append(targets, read)
	}
	// Every chat and embedding host sees questions or documents.
	for _, b := range []struct {
		flag string
		urls []*url.URL
	}{{"chat-url", cfg.Inference.Chat.URLs}, {"embed-url", cfg.Inference.Embed.URLs}} {
		for _, u := range b.urls {
			targets = append(targets, URLTarget(config.Describe(b.flag), u))
		}
	}
	g := Guard{Allow: cfg.AllowRemoteHosts, Resolver: r}
	// The originals' bucket holds every document: it too must be local.
	if cfg.Originals.Store == "s3" && cfg.Originals.S3Endpoint != nil {
		targets = append(targets, URLTarget(config.Describe("s3-endpoint"), cfg.Originals.S3Endpoint))
	}
	// The reranker reads every question and the passages retrieved for it.
	if cfg.Rerank.URL != nil {
		targets = append(targets, URLTarget(config.Describe("rerank-url"), cfg.Rerank.URL))
	}
	if err := g.Check(ctx, targets...); err != nil {
		return fmt.Errorf("egress guard: %w", err)
	}
	return nil
}
