package config_test

import (
	"bytes"
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
	oidc := []string{"--auth=oidc", "--oidc-issuer=https://id.example", "--oidc-client-id=civitas", "--oidc-redirect-url=https://a.example/auth/callback"}
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
		{name: "proxy headers mean proxy mode", args: []string{"--auth-proxy-headers=true"}, check: func(a config.AuthConfig) bool { return a.Mode == "proxy" }},
		{name: "oidc with secret from the environment", args: oidc, env: map[string]string{"CIVITAS_OIDC_CLIENT_SECRET": "x"},
			check: func(a config.AuthConfig) bool {
				return a.Mode == "oidc" && a.OIDCClientSecret == "x" && a.OIDCGroupsClaim == "groups"
			}},
		{name: "secret from a file", args: append(oidc[:4:4], "--oidc-client-secret-file="+secretFile),
			check: func(a config.AuthConfig) bool { return a.OIDCClientSecret == "s3cret" }},
		{name: "secret given twice", args: append(oidc[:4:4], "--oidc-client-secret-file="+secretFile, "--oidc-client-secret=y"), wantErr: "give it once"},
		{name: "oidc without issuer", args: []string{"--auth=oidc"}, wantErr: "--oidc-issuer: needed"},
		{name: "oidc and proxy headers", args: append(oidc[:4:4], "--auth-proxy-headers=true"), wantErr: "choose one"},
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
