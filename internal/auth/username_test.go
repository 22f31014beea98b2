package auth_test

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/civitas-eu/civitas/internal/auth"
)

func TestCheckUserName(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"alice", true},
		{"älice@example-city.eu", true},
		{"Müller, Hans", true},
		{strings.Repeat("a", auth.MaxUserNameBytes), true},
		{"", false},
		{strings.Repeat("a", auth.MaxUserNameBytes+1), false},
		{"root\x00", false},
		{"\xc3\xa4lice\xff", false},
		{"eve\nadmin", false},
		{"eve\u2028admin", false},
		{"alice\x1b[31m", false},
		{"a\u0085b", false},
	}
	for _, tt := range tests {
		err := auth.CheckUserName(tt.name)
		if (err == nil) != tt.ok || (err != nil && !errors.Is(err, auth.ErrInvalidUserName)) {
			t.Errorf("CheckUserName(%q) = %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
}

// TestIdentifyRefusesMalformedDevUser: every identity source passes the
// same check; the development user is one of them.
func TestIdentifyRefusesMalformedDevUser(t *testing.T) {
	a := auth.New(auth.Config{Mode: auth.ModeDev, DevUser: "dev\x00"}, nil, nil)
	r := httptest.NewRequest("GET", "/api/me", nil)
	r.RemoteAddr = "127.0.0.1:5000"
	if _, err := a.Identify(r); !errors.Is(err, auth.ErrUnauthenticated) || !errors.Is(err, auth.ErrInvalidUserName) {
		t.Fatalf("Identify with a NUL in the dev user: %v, want unauthenticated for an invalid name", err)
	}
}
