package config_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/civitas-eu/civitas/internal/config"
)

func TestAuthSettings(t *testing.T) {
	t.Parallel()
	secretFile := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secretFile, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	oidc := []string{"--auth=oidc", "--oidc-issuer=https://id.example", "--oidc-client-id=civitas", "--oidc-redirect-url=https://a.example/auth/callback", "--public-url=https://a.example"}
	proxy := []string{"--auth=proxy", "--auth-trusted-proxies=10.0.0.5, fd00::/64", "--public-url=https://a.example/,http://10.0.0.9:8080"}
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		check   func(config.AuthConfig) bool
		wantErr string
	}{
		{name: "default is dev", check: func(a config.AuthConfig) bool {
			return a.Mode == "dev" && a.SessionIdle == 30*time.Minute && a.SessionMax == 12*time.Hour && a.CookieSecure
		}},
		{name: "proxy headers mean proxy mode", args: append(proxy[1:3:3], "--auth-proxy-headers=true"), check: func(a config.AuthConfig) bool { return a.Mode == "proxy" }},
		{name: "proxy with trusted proxies and public URLs", args: proxy, check: func(a config.AuthConfig) bool {
			return a.Mode == "proxy" && fmt.Sprint(a.TrustedProxies) == "[10.0.0.5/32 fd00::/64]" &&
				strings.Join(a.PublicURLs, " ") == "https://a.example http://10.0.0.9:8080"
		}},
		{name: "proxy needs trusted proxies", args: []string{"--auth=proxy", "--public-url=https://a.example"}, wantErr: "--auth-trusted-proxies (CIVITAS_AUTH_TRUSTED_PROXIES): needed with --auth=proxy"},
		{name: "trusted proxy not an address", args: append(proxy[:1:1], "--auth-trusted-proxies=proxy.example", "--public-url=https://a.example"), wantErr: "not a CIDR"},
		{name: "proxy needs a public URL", args: proxy[:2], wantErr: "--public-url (CIVITAS_PUBLIC_URL): needed with --auth=proxy"},
		{name: "oidc needs a public URL", args: oidc[:4], wantErr: "--public-url (CIVITAS_PUBLIC_URL): needed with --auth=oidc"},
		{name: "public URL with a path", args: []string{"--public-url=https://a.example/civitas"}, wantErr: "no path"},
		{name: "redirect on another host", args: append(oidc[:4:4], "--public-url=https://b.example"), wantErr: "--oidc-redirect-url (CIVITAS_OIDC_REDIRECT_URL)"},
		{name: "dev with a public loopback name", args: []string{"--public-url=http://localhost:8080"}, check: func(a config.AuthConfig) bool { return a.Mode == "dev" }},
		{name: "dev with a public non-loopback name", args: []string{"--public-url=https://a.example"}, wantErr: "only loopback names"},
		{name: "role groups default", check: func(a config.AuthConfig) bool {
			return a.AdminGroup == "admin" && a.AuditorGroup == "auditor" && a.KnowledgeManagerGroup == "knowledge-manager" && a.APIKeyMaxLifetime == 90*24*time.Hour
		}},
		{name: "role groups from the environment", env: map[string]string{"CIVITAS_ADMIN_GROUP": "GG Civitas Admins", "CIVITAS_API_KEY_MAX_LIFETIME": "720h"},
			check: func(a config.AuthConfig) bool {
				return a.AdminGroup == "GG Civitas Admins" && a.APIKeyMaxLifetime == 30*24*time.Hour
			}},
		{name: "role group with a comma", args: []string{"--auditor-group=a,b"}, wantErr: "no commas"},
		{name: "one group for two roles", args: []string{"--auditor-group=admin"}, wantErr: "three different groups"},
		{name: "API key lifetime in days", args: []string{"--api-key-max-lifetime=0d"}, wantErr: "days from 1"},
		{name: "oidc with secret from the environment", args: oidc, env: map[string]string{"CIVITAS_OIDC_CLIENT_SECRET": "x"},
			check: func(a config.AuthConfig) bool {
				return a.Mode == "oidc" && a.OIDCClientSecret == "x" && a.OIDCGroupsClaim == "groups"
			}},
		{name: "secret from a file", args: append(oidc[:5:5], "--oidc-client-secret-file="+secretFile),
			check: func(a config.AuthConfig) bool { return a.OIDCClientSecret == "s3cret" }},
		{name: "secret given twice", args: append(oidc[:5:5], "--oidc-client-secret-file="+secretFile, "--oidc-client-secret=y"), wantErr: "give it once"},
		{name: "oidc without issuer", args: []string{"--auth=oidc"}, wantErr: "--oidc-issuer: needed"},
		{name: "oidc and proxy headers", args: append(oidc[:5:5], "--auth-proxy-headers=true"), wantErr: "choose one"},
		{name: "unknown mode", args: []string{"--auth=ldap"}, wantErr: "want one of"},
		{name: "redirect elsewhere", args: []string{"--oidc-redirect-url=https://a.example/other"}, wantErr: "/auth/callback"},
		{name: "idle above max", args: []string{"--session-idle=13h"}, wantErr: "must not exceed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, _, err := config.Load("assistant", tt.args, env(tt.env), &bytes.Buffer{}, nil)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !tt.check(c.Auth) {
				t.Fatalf("auth settings %+v, error %v", c.Auth, err)
			}
		})
	}
}

// Finding 8: development sign-in makes every caller one user, so it runs
// on a loopback listen address only. Left empty, --auth no longer means
// dev elsewhere (the container image listens on 0.0.0.0): start-up fails
// naming CIVITAS_AUTH.
func TestDevModeRefusesNonLoopback(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		wantErr string
	}{
		{name: "empty auth, image's listen address", env: map[string]string{"CIVITAS_LISTEN": "0.0.0.0:8080"}, wantErr: "setting --auth (CIVITAS_AUTH): set it to oidc or proxy"},
		{name: "empty auth, all interfaces", args: []string{"--listen=:8080"}, wantErr: "setting --auth (CIVITAS_AUTH)"},
		{name: "explicit dev on a LAN address", args: []string{"--auth=dev", "--listen=192.168.1.10:8080"}, wantErr: "--auth=dev (CIVITAS_AUTH) needs a loopback --listen (CIVITAS_LISTEN)"},
		{name: "dev on loopback", args: []string{"--auth=dev", "--listen=127.0.0.1:8080"}},
		{name: "dev on localhost", args: []string{"--listen=localhost:9000"}},
		{name: "dev on IPv6 loopback", args: []string{"--listen=[::1]:8080"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, _, err := config.Load("assistant", tt.args, env(tt.env), &bytes.Buffer{}, nil)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("error %v, want none", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}
