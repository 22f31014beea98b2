package auth_test

import (
	"errors"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/civitas-eu/civitas/internal/auth"
)

func TestIdentify(t *testing.T) {
	t.Parallel()
	proxy := auth.Config{ProxyHeaders: true, UserHeader: "X-Forwarded-User", GroupsHeader: "X-Forwarded-Groups"}
	dev := auth.Config{DevUser: "dev", DevGroups: []string{"staff"}}
	tests := []struct {
		name       string
		cfg        auth.Config
		headers    map[string]string
		wantUser   string
		wantGroups []string
		wantErr    error
	}{
		{"proxy user with groups", proxy, map[string]string{"X-Forwarded-User": "a.meier", "X-Forwarded-Groups": "bauamt, staff,,bauamt"}, "a.meier", []string{"bauamt", "staff"}, nil},
		{"proxy user without groups", proxy, map[string]string{"X-Forwarded-User": "b.roth"}, "b.roth", []string{}, nil},
		{"proxy without user is rejected", proxy, map[string]string{"X-Forwarded-Groups": "admin"}, "", nil, auth.ErrUnauthenticated},
		{"dev mode ignores headers", dev, map[string]string{"X-Forwarded-User": "mallory", "X-Forwarded-Groups": "admin"}, "dev", []string{"staff"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest("GET", "/", nil)
			for k, v := range tt.headers {
				r.Header.Set(k, v)
			}
			u, err := tt.cfg.Identify(r)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("error = %v, want %v", err, tt.wantErr)
			}
			if err == nil && (u.Name != tt.wantUser || !slices.Equal(u.Groups, tt.wantGroups)) {
				t.Errorf("user = %+v, want %s %v", u, tt.wantUser, tt.wantGroups)
			}
		})
	}
}

func TestGroupsClaim(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		claim   any
		want    []string
		wantErr bool
	}{
		{"absent", nil, []string{}, false},
		{"array", []any{"bauamt", " staff ", "bauamt", ""}, []string{"bauamt", "staff"}, false},
		{"space separated", "bauamt staff", []string{"bauamt", "staff"}, false},
		{"comma separated", "bauamt,staff,", []string{"bauamt", "staff"}, false},
		{"array of numbers", []any{"a", 3.0}, nil, true},
		{"object", map[string]any{"a": 1}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := auth.GroupsClaim(tt.claim)
			if (err != nil) != tt.wantErr || (err == nil && !slices.Equal(got, tt.want)) {
				t.Errorf("GroupsClaim(%v) = %v, %v; want %v, error %v", tt.claim, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestCleanGroups(t *testing.T) {
	t.Parallel()
	if got := auth.CleanGroups(nil); got == nil || len(got) != 0 {
		t.Errorf("CleanGroups(nil) = %#v, want an empty list", got)
	}
	if got, want := auth.CleanGroups([]string{" staff", "bauamt", "", "staff ", "\tbauamt"}), []string{"staff", "bauamt"}; !slices.Equal(got, want) {
		t.Errorf("CleanGroups = %v, want %v", got, want)
	}
}

func TestEffectiveMode(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		cfg  auth.Config
		want string
	}{
		{auth.Config{}, auth.ModeDev},
		{auth.Config{ProxyHeaders: true}, auth.ModeProxy},
		{auth.Config{Mode: auth.ModeOIDC}, auth.ModeOIDC},
	} {
		if got := tt.cfg.EffectiveMode(); got != tt.want {
			t.Errorf("%+v: mode %s, want %s", tt.cfg, got, tt.want)
		}
	}
	// OIDC mode has no identity of its own: no dev user, no headers.
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("X-Forwarded-User", "mallory")
	if _, err := (auth.Config{Mode: auth.ModeOIDC, DevUser: "dev", UserHeader: "X-Forwarded-User"}).Identify(r); !errors.Is(err, auth.ErrUnauthenticated) {
		t.Errorf("OIDC mode without credentials: %v, want ErrUnauthenticated", err)
	}
}
