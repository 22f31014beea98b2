package server

import "testing"

// Label values are escaped once, as the Prometheus text format defines:
// backslash, double quote and newline; everything else as it is.
func TestLabels(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kv   []string
		want string
	}{
		{[]string{"route", "GET /api/me", "code", "200"}, `route="GET /api/me",code="200"`},
		{[]string{"v", `a"b`}, `v="a\"b"`},
		{[]string{"v", `c:\dir`}, `v="c:\\dir"`},
		{[]string{"v", "line\nnext"}, `v="line\nnext"`},
		{[]string{"v", "Größe"}, `v="Größe"`},
		{[]string{"odd"}, ``},
	}
	for _, tt := range tests {
		if got := labels(tt.kv...); got != tt.want {
			t.Errorf("labels(%q) = %s, want %s", tt.kv, got, tt.want)
		}
	}
}
