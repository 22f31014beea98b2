package server

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestOperatorListenerRefusesRebindingHost: the operator listener
// (/metrics, the detailed /readyz) answers loopback names, IP literals
// and its own listen host, any case, trailing dot tolerated; a
// DNS-rebinding name gets 421 (finding F2).
func TestOperatorListenerRefusesRebindingHost(t *testing.T) {
	t.Parallel()
	s := New(Config{MetricsListen: "Monitor.Example-City.EU:9464", PublicURLs: []string{"http://example.com"}},
		slog.New(slog.NewTextHandler(io.Discard, nil)), Deps{})
	h := s.MetricsHandler()
	tests := []struct {
		host string
		want bool
	}{
		{"127.0.0.1:9464", true},
		{"localhost:9464", true},
		{"LOCALHOST.:9464", true},
		{"[::1]:9464", true},
		{"10.0.0.7:9464", true}, // an address, as Prometheus scrapes a pod
		{"monitor.example-city.eu:9464", true},
		{"monitor.example-city.eu.", true},
		{"rebind.attacker.example:9464", false},
		{"example.com", false}, // the public URL is not the operator's
		{"", false},
	}
	for _, path := range []string{"/metrics", "/readyz"} {
		for _, tt := range tests {
			if path == "/readyz" && tt.want {
				continue // the detailed readiness needs a database; the guard is before it
			}
			req := httptest.NewRequest("GET", path, nil)
			req.Host = tt.host
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if refused := rec.Code == http.StatusMisdirectedRequest; refused == tt.want {
				t.Errorf("GET %s with Host %q: %d, want allowed=%v", path, tt.host, rec.Code, tt.want)
			}
		}
	}
	if operatorHostAllowed("", "rebind.attacker.example") || !operatorHostAllowed("", "localhost") {
		t.Error("without a listen host, only loopback names and addresses are answered")
	}
}
