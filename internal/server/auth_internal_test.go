package server

import (
	"strings"
	"testing"
)

func TestSafeNext(t *testing.T) {
	t.Parallel()
	long := "/" + strings.Repeat("a", maxNext)
	for _, tc := range []struct {
		name, next, want string
	}{
		{"empty", "", "/"},
		{"path", "/api/me?x=1", "/api/me?x=1"},
		{"absolute URL", "https://evil.example/", "/"},
		{"scheme-relative", "//evil.example/", "/"},
		{"backslash", "/\\evil.example", "/"},
		{"newline", "/a\r\nLocation: x", "/"},
		{"at the limit", long[:maxNext], long[:maxNext]},
		{"over the limit", long, "/"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := safeNext(tc.next); got != tc.want {
				t.Errorf("safeNext(%.40q) = %.40q, want %.40q", tc.next, got, tc.want)
			}
		})
	}
}
