package config

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// AuthConfig holds the sign-in settings of the assistant.
type AuthConfig struct {
	// Mode is "dev", "proxy" or "oidc", resolved by Load (an empty
	// --auth means proxy with --auth-proxy-headers, else dev).
	Mode               string
	OIDCIssuer         string
	OIDCClientID       string
	OIDCClientSecret   string
	OIDCRedirectURL    string
	OIDCScopes         []string
	OIDCUsernameClaim  string
	OIDCGroupsClaim    string
	OIDCExtraAudiences []string
	SessionIdle        time.Duration
	SessionMax         time.Duration
	CookieSecure       bool
	// TrustedProxies are the networks whose identity headers proxy mode
	// believes (required with it).
	TrustedProxies []netip.Prefix
	// PublicURLs are the addresses users reach the assistant at; requests
	// for other host names are refused. Required outside dev mode; empty
	// in dev mode, which answers loopback names only.
	PublicURLs []string
	// AdminGroup, AuditorGroup and KnowledgeManagerGroup name the
	// directory groups that grant the roles.
	AdminGroup            string
	AuditorGroup          string
	KnowledgeManagerGroup string
	// APIKeyMaxLifetime bounds every API key's lifetime.
	APIKeyMaxLifetime time.Duration
}

// authSettings are the sign-in rows of the settings table.
func authSettings() []Setting {
	return append([]Setting{
		{Flag: "auth", Env: "CIVITAS_AUTH", Default: "", Only: "assistant",
			Usage: "how browser users sign in: oidc (OpenID Connect), proxy (trusted headers) or dev (one fixed user, loopback only); empty: proxy with --auth-proxy-headers, else dev, which a --listen address outside loopback refuses. API keys and bearer JWTs work in every mode",
			set:   func(c *Config, v string) error { c.Auth.Mode = v; return oneOf(v, "", "dev", "proxy", "oidc") }},
		{Flag: "oidc-issuer", Env: "CIVITAS_OIDC_ISSUER", Default: "", Only: "assistant",
			Usage: "issuer URL of the OpenID Connect provider (needed for --auth=oidc; elsewhere it enables bearer JWTs)",
			set:   setIssuer},
		{Flag: "oidc-client-id", Env: "CIVITAS_OIDC_CLIENT_ID", Default: "", Only: "assistant",
			Usage: "client id of the assistant at the provider; also the audience bearer JWTs must carry",
			set:   func(c *Config, v string) error { c.Auth.OIDCClientID = v; return nil }},
		{Flag: "oidc-client-secret", Env: "CIVITAS_OIDC_CLIENT_SECRET", Default: "", Only: "assistant", Secret: true,
			Usage: "client secret (empty for a public client); prefer the environment variable or --oidc-client-secret-file, as flags show in process lists",
			set:   func(c *Config, v string) error { c.Auth.OIDCClientSecret = v; return nil }},
		{Flag: "oidc-client-secret-file", Env: "CIVITAS_OIDC_CLIENT_SECRET_FILE", Default: "", Only: "assistant",
			Usage: "file holding the client secret (a container secret)",
			set:   setSecretFile},
		{Flag: "oidc-redirect-url", Env: "CIVITAS_OIDC_REDIRECT_URL", Default: "", Only: "assistant",
			Usage: "the assistant's callback URL as registered at the provider, e.g. https://assistant.example/auth/callback",
			set:   setRedirectURL},
		{Flag: "oidc-scopes", Env: "CIVITAS_OIDC_SCOPES", Default: "openid,profile,email", Only: "assistant",
			Usage: "scopes requested at sign-in, comma-separated (add groups for Dex)",
			set:   func(c *Config, v string) error { c.Auth.OIDCScopes = SplitList(v); return nil }},
		{Flag: "oidc-username-claim", Env: "CIVITAS_OIDC_USERNAME_CLAIM", Default: "preferred_username", Only: "assistant",
			Usage: "claim naming the user (falls back to email, then sub)",
			set:   func(c *Config, v string) error { c.Auth.OIDCUsernameClaim = v; return notEmpty(v) }},
		{Flag: "oidc-groups-claim", Env: "CIVITAS_OIDC_GROUPS_CLAIM", Default: "groups", Only: "assistant",
			Usage: "claim holding the user's groups (an array, or a comma-separated string; spaces belong to group names)",
			set:   func(c *Config, v string) error { c.Auth.OIDCGroupsClaim = v; return notEmpty(v) }},
		{Flag: "oidc-extra-audiences", Env: "CIVITAS_OIDC_EXTRA_AUDIENCES", Default: "", Only: "assistant",
			Usage: "audiences accepted in bearer JWTs besides the client id, comma-separated",
			set:   func(c *Config, v string) error { c.Auth.OIDCExtraAudiences = SplitList(v); return nil }},
		{Flag: "session-idle", Env: "CIVITAS_SESSION_IDLE", Default: "30m", Only: "assistant",
			Usage: "a browser session unused this long ends",
			set:   func(c *Config, v string) (err error) { c.Auth.SessionIdle, err = positiveDuration(v); return }},
		{Flag: "session-max", Env: "CIVITAS_SESSION_MAX", Default: "12h", Only: "assistant",
			Usage: "a browser session ends this long after sign-in, however busy",
			set:   func(c *Config, v string) (err error) { c.Auth.SessionMax, err = positiveDuration(v); return }},
		{Flag: "cookie-secure", Env: "CIVITAS_COOKIE_SECURE", Default: "true", Only: "assistant",
			Usage: "mark cookies Secure (HTTPS only); turn off only for plain-http development",
			set:   func(c *Config, v string) (err error) { c.Auth.CookieSecure, err = strconv.ParseBool(v); return }},
	}, identitySettings()...)
}

// validateAuth resolves the mode and checks the settings that depend on
// one another.
func validateAuth(c *Config) []error {
	var errs []error
	a := &c.Auth
	implicitDev := a.Mode == "" && !c.ProxyAuth
	switch {
	case a.Mode == "" && c.ProxyAuth:
		a.Mode = "proxy"
	case a.Mode == "":
		a.Mode = "dev"
	case a.Mode == "proxy":
		c.ProxyAuth = true
	case c.ProxyAuth:
		errs = append(errs, fmt.Errorf("setting --auth=%s contradicts --auth-proxy-headers: choose one", a.Mode))
	}
	if a.Mode == "oidc" {
		for _, s := range []struct{ flag, v string }{{"oidc-issuer", a.OIDCIssuer}, {"oidc-client-id", a.OIDCClientID}, {"oidc-redirect-url", a.OIDCRedirectURL}} {
			if s.v == "" {
				errs = append(errs, fmt.Errorf("setting --%s: needed with --auth=oidc", s.flag))
			}
		}
	}
	if a.OIDCIssuer != "" && a.OIDCClientID == "" {
		errs = append(errs, errors.New("setting --oidc-client-id: needed with --oidc-issuer (it is the audience of bearer JWTs)"))
	}
	errs = append(errs, validateIdentity(c, implicitDev)...)
	if a.SessionIdle > a.SessionMax {
		errs = append(errs, fmt.Errorf("setting --session-idle (%s) must not exceed --session-max (%s)", a.SessionIdle, a.SessionMax))
	}
	return errs
}

func oneOf(v string, allowed ...string) error {
	for _, a := range allowed {
		if v == a {
			return nil
		}
	}
	return fmt.Errorf("want one of %s", strings.Join(allowed[1:], ", "))
}

func notEmpty(v string) error {
	if v == "" {
		return errors.New("must not be empty")
	}
	return nil
}

func positiveDuration(v string) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err == nil && d <= 0 {
		err = errors.New("must be positive")
	}
	return d, err
}

func setIssuer(c *Config, v string) error {
	if v != "" {
		if u, err := url.Parse(v); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return errors.New("want an http(s) URL")
		}
	}
	c.Auth.OIDCIssuer = v
	return nil
}

func setRedirectURL(c *Config, v string) error {
	if v != "" {
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Path != "/auth/callback" {
			return errors.New("want the absolute URL of /auth/callback, e.g. https://assistant.example/auth/callback")
		}
	}
	c.Auth.OIDCRedirectURL = v
	return nil
}

// setSecretFile reads the client secret from a file; it runs after the
// secret's own setting, so giving both is caught here.
func setSecretFile(c *Config, v string) error {
	if v == "" {
		return nil
	}
	if c.Auth.OIDCClientSecret != "" {
		return errors.New("the client secret is also set directly; give it once")
	}
	b, err := os.ReadFile(v)
	if err != nil {
		return fmt.Errorf("read client secret: %w", err)
	}
	c.Auth.OIDCClientSecret = strings.TrimSpace(string(b))
	if c.Auth.OIDCClientSecret == "" {
		return errors.New("the file is empty")
	}
	return nil
}

// identitySettings are the rows that decide whom the assistant believes:
// which peers may assert identity, which host names it answers for,
// which groups grant roles, and how long API keys live.
func identitySettings() []Setting {
	return []Setting{
		{Flag: "auth-trusted-proxies", Env: "CIVITAS_AUTH_TRUSTED_PROXIES", Default: "", Only: "assistant",
			Usage: "networks (CIDRs or addresses, comma-separated) of the reverse proxy whose identity headers --auth=proxy believes; required with it. Headers from any other peer are refused",
			set:   setTrustedProxies},
		{Flag: "public-url", Env: "CIVITAS_PUBLIC_URL", Default: "", Only: "assistant",
			Usage: "address(es) users reach the assistant at, comma-separated, e.g. https://assistant.example; requests naming another host are refused (421), against DNS rebinding. Required unless --auth=dev, which answers loopback names only",
			set:   setPublicURLs},
		{Flag: "admin-group", Env: "CIVITAS_ADMIN_GROUP", Default: "admin", Only: "assistant",
			Usage: "directory group whose members administer models, API keys and data-subject requests",
			set:   groupName(func(a *AuthConfig) *string { return &a.AdminGroup })},
		{Flag: "auditor-group", Env: "CIVITAS_AUDITOR_GROUP", Default: "auditor", Only: "assistant",
			Usage: "directory group whose members read and export the audit trail",
			set:   groupName(func(a *AuthConfig) *string { return &a.AuditorGroup })},
		{Flag: "knowledge-manager-group", Env: "CIVITAS_KNOWLEDGE_MANAGER_GROUP", Default: "knowledge-manager", Only: "assistant",
			Usage: "directory group whose members upload, re-ingest and delete documents",
			set:   groupName(func(a *AuthConfig) *string { return &a.KnowledgeManagerGroup })},
		{Flag: "api-key-max-lifetime", Env: "CIVITAS_API_KEY_MAX_LIFETIME", Default: "90d", Only: "assistant",
			Usage: "longest lifetime of an API key, in days (90d) or a Go duration; a key issued without expiry expires after it",
			set:   setAPIKeyMaxLifetime},
	}
}

// validateIdentity checks what depends on the mode: dev mode only on
// loopback, a public URL outside it, trusted proxies with proxy mode.
// implicitDev is true when dev mode was chosen by leaving --auth empty.
func validateIdentity(c *Config, implicitDev bool) []error {
	var errs []error
	a := &c.Auth
	switch a.Mode {
	case "dev":
		if !loopbackListen(c.Listen) {
			if implicitDev {
				errs = append(errs, fmt.Errorf("setting --auth (CIVITAS_AUTH): set it to oidc or proxy; left empty it means dev, where every caller is one fixed user, and --listen (CIVITAS_LISTEN) %q is not a loopback address", c.Listen))
			} else {
				errs = append(errs, fmt.Errorf("setting --auth=dev (CIVITAS_AUTH) needs a loopback --listen (CIVITAS_LISTEN), not %q: every caller would be the one development user", c.Listen))
			}
		}
		for _, u := range a.PublicURLs {
			if pu, err := url.Parse(u); err != nil || !loopbackHost(pu.Hostname()) {
				errs = append(errs, fmt.Errorf("setting --public-url (CIVITAS_PUBLIC_URL) %q: with --auth=dev only loopback names are answered", u))
			}
		}
	default:
		if len(a.PublicURLs) == 0 {
			errs = append(errs, fmt.Errorf("setting --public-url (CIVITAS_PUBLIC_URL): needed with --auth=%s: the address users reach the assistant at, e.g. https://assistant.example (requests naming other hosts are refused)", a.Mode))
		}
	}
	if a.Mode == "proxy" && len(a.TrustedProxies) == 0 {
		errs = append(errs, errors.New("setting --auth-trusted-proxies (CIVITAS_AUTH_TRUSTED_PROXIES): needed with --auth=proxy: the networks of the proxy that sets the identity headers, e.g. 10.0.0.5/32"))
	}
	if a.OIDCRedirectURL != "" && len(a.PublicURLs) > 0 && !sameSiteAsPublic(a.OIDCRedirectURL, a.PublicURLs) {
		errs = append(errs, fmt.Errorf("setting --oidc-redirect-url (CIVITAS_OIDC_REDIRECT_URL) %q: its scheme and host must be one of --public-url (CIVITAS_PUBLIC_URL) %s", a.OIDCRedirectURL, strings.Join(a.PublicURLs, ", ")))
	}
	roles := []string{a.AdminGroup, a.AuditorGroup, a.KnowledgeManagerGroup}
	if roles[0] == roles[1] || roles[0] == roles[2] || roles[1] == roles[2] {
		errs = append(errs, fmt.Errorf("settings --admin-group, --auditor-group, --knowledge-manager-group: want three different groups, got %s", strings.Join(roles, ", ")))
	}
	return errs
}

// loopbackListen reports whether the listen address accepts connections
// from this machine only (":8080" and "0.0.0.0:8080" do not).
func loopbackListen(listen string) bool {
	host, _, err := net.SplitHostPort(listen)
	return err == nil && loopbackHost(host)
}

func loopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}

// sameSiteAsPublic reports whether redirect has the scheme and host of one
// of the public URLs: the provider sends the browser there, and any other
// host is refused by the host check or would not carry the login cookie.
func sameSiteAsPublic(redirect string, public []string) bool {
	r, err := url.Parse(redirect)
	if err != nil {
		return false
	}
	for _, p := range public {
		if u, err := url.Parse(p); err == nil && strings.EqualFold(u.Scheme, r.Scheme) && strings.EqualFold(u.Host, r.Host) {
			return true
		}
	}
	return false
}

func setTrustedProxies(c *Config, v string) error {
	c.Auth.TrustedProxies = nil
	for _, s := range SplitList(v) {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			a, aerr := netip.ParseAddr(s)
			if aerr != nil {
				return fmt.Errorf("%q is not a CIDR or an IP address", s)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		c.Auth.TrustedProxies = append(c.Auth.TrustedProxies, p.Masked())
	}
	return nil
}

func setPublicURLs(c *Config, v string) error {
	c.Auth.PublicURLs = nil
	for _, s := range SplitList(v) {
		u, err := url.Parse(s)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Hostname() == "" || u.User != nil ||
			(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
			return fmt.Errorf("%q: want an http(s) URL with a host and no path, e.g. https://assistant.example", s)
		}
		c.Auth.PublicURLs = append(c.Auth.PublicURLs, u.Scheme+"://"+u.Host)
	}
	return nil
}

// groupName sets a role's group; a comma would make it two groups.
func groupName(field func(*AuthConfig) *string) func(*Config, string) error {
	return func(c *Config, v string) error {
		if v == "" || strings.Contains(v, ",") {
			return errors.New("want one non-empty group name (no commas)")
		}
		*field(&c.Auth) = v
		return nil
	}
}

func setAPIKeyMaxLifetime(c *Config, v string) error {
	var d time.Duration
	if days, ok := strings.CutSuffix(v, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n <= 0 || n > 3650 {
			return errors.New("want a number of days from 1 to 3650, e.g. 90d")
		}
		d = time.Duration(n) * 24 * time.Hour
	} else {
		var err error
		if d, err = positiveDuration(v); err != nil {
			return fmt.Errorf("want days (90d) or a positive Go duration: %w", err)
		}
	}
	c.Auth.APIKeyMaxLifetime = d
	return nil
}
