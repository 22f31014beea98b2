package config

import (
	"errors"
	"fmt"
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
}

// authSettings are the sign-in rows of the settings table.
func authSettings() []Setting {
	return []Setting{
		{Flag: "auth", Env: "CIVITAS_AUTH", Default: "", Only: "assistant",
			Usage: "how browser users sign in: oidc (OpenID Connect), proxy (trusted headers) or dev (one fixed user); empty: proxy with --auth-proxy-headers, else dev. API keys and bearer JWTs work in every mode",
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
			Usage: "claim holding the user's groups (an array, or a space- or comma-separated string)",
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
	}
}

// validateAuth resolves the mode and checks the settings that depend on
// one another.
func validateAuth(c *Config) []error {
	var errs []error
	a := &c.Auth
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
