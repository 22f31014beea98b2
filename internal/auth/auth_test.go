package auth_test

import (
	"errors"
	"net/http/httptest"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/civitas-eu/civitas/internal/auth"
)

func TestIdentify(t *testing.T) {
	t.Parallel()
	proxy := auth.Config{ProxyHeaders: true, UserHeader: "X-Forwarded-User", GroupsHeader: "X-Forwarded-Groups",
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.5/32")}}
	dev := auth.Config{DevUser: "dev", DevGroups: []string{"staff"}}
	const proxyPeer, loopback, stranger = "10.0.0.5:41000", "127.0.0.1:41000", "192.0.2.7:41000"
	tests := []struct {
		name       string
		cfg        auth.Config
		peer       string
		headers    map[string]string
		wantUser   string
		wantGroups []string
		wantErr    error
	}{
		{"proxy user with groups", proxy, proxyPeer, map[string]string{"X-Forwarded-User": "a.meier", "X-Forwarded-Groups": "bauamt, staff,,bauamt"}, "a.meier", []string{"bauamt", "staff"}, nil},
		{"proxy user without groups", proxy, proxyPeer, map[string]string{"X-Forwarded-User": "b.roth"}, "b.roth", []string{}, nil},
		{"proxy without user is rejected", proxy, proxyPeer, map[string]string{"X-Forwarded-Groups": "admin"}, "", nil, auth.ErrUnauthenticated},
		{"proxy groups keep their spaces", proxy, proxyPeer, map[string]string{"X-Forwarded-User": "eve", "X-Forwarded-Groups": "IT admin, staff"}, "eve", []string{"IT admin", "staff"}, nil},
		{"proxy headers from an untrusted peer", proxy, stranger, map[string]string{"X-Forwarded-User": "mallory", "X-Forwarded-Groups": "admin"}, "", nil, auth.ErrUnauthenticated},
		{"proxy headers from loopback, not trusted", proxy, loopback, map[string]string{"X-Forwarded-User": "mallory"}, "", nil, auth.ErrUnauthenticated},
		{"proxy mode trusting nobody", auth.Config{ProxyHeaders: true, UserHeader: "X-Forwarded-User"}, proxyPeer, map[string]string{"X-Forwarded-User": "a.meier"}, "", nil, auth.ErrUnauthenticated},
		{"dev mode ignores headers", dev, loopback, map[string]string{"X-Forwarded-User": "mallory", "X-Forwarded-Groups": "admin"}, "dev", []string{"staff"}, nil},
		{"dev mode refuses a remote peer", dev, stranger, nil, "", nil, auth.ErrUnauthenticated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tt.peer
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
		{"spaces belong to the name", "IT admin", []string{"IT admin"}, false},
		{"comma and space", "IT admin, bauamt", []string{"IT admin", "bauamt"}, false},
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

// A proxy that appends its identity header after the client's leaves two:
// the chain refuses the request, before any other credential, even from
// the trusted proxy.
func TestDuplicateIdentityHeaderRefused(t *testing.T) {
	t.Parallel()
	cfg := auth.Config{ProxyHeaders: true, UserHeader: "X-Forwarded-User", GroupsHeader: "X-Forwarded-Groups",
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}
	a := auth.New(cfg, nil, nil)
	for _, h := range []string{"X-Forwarded-User", "X-Forwarded-Groups"} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = "10.0.0.5:1234"
		r.Header.Set("X-Forwarded-User", "alice")
		r.Header.Set("X-Forwarded-Groups", "staff")
		r.Header.Add(h, "admin")
		if _, err := a.Identify(r); !errors.Is(err, auth.ErrUnauthenticated) {
			t.Errorf("%s twice: %v, want ErrUnauthenticated", h, err)
		}
	}
}

func TestAPIKeyExpiry(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	max := 90 * 24 * time.Hour
	at := func(d time.Duration) *time.Time { x := now.Add(d); return &x }
	tests := []struct {
		name string
		exp  *time.Time
		want time.Time
		err  bool
	}{
		{"none means the maximum", nil, now.Add(max), false},
		{"within", at(time.Hour), now.Add(time.Hour), false},
		{"exactly the maximum", at(max), now.Add(max), false},
		{"beyond", at(max + time.Second), time.Time{}, true},
		{"past", at(-time.Second), time.Time{}, true},
	}
	for _, tt := range tests {
		got, err := auth.APIKeyExpiry(tt.exp, now, max)
		if (err != nil) != tt.err || !got.Equal(tt.want) {
			t.Errorf("%s: %v, %v; want %v, error %v", tt.name, got, err, tt.want, tt.err)
		}
	}
}
