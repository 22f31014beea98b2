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
