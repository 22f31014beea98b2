package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestHealthcheckSubcommand: `assistant healthcheck` (the distroless
// image's Docker HEALTHCHECK) GETs /healthz on loopback at the port of
// CIVITAS_LISTEN, or of CIVITAS_METRICS_LISTEN with --operator, and fails
// unless it answers 200.
func TestHealthcheckSubcommand(t *testing.T) {
	t.Parallel()
	serve := func(status int) string {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/healthz" {
				http.NotFound(w, r)
				return
			}
			w.WriteHeader(status)
		}))
		t.Cleanup(srv.Close)
		_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
		return port
	}
	healthy, failing := serve(http.StatusOK), serve(http.StatusServiceUnavailable)
	// A port nothing listens on.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, closed, _ := net.SplitHostPort(ln.Addr().String())
	ln.Close()

	tests := []struct {
		name    string
		env     map[string]string
		args    []string
		wantErr string // "" for success
	}{
		{"healthy on all interfaces", map[string]string{"CIVITAS_LISTEN": "0.0.0.0:" + healthy}, nil, ""},
		{"healthy on loopback", map[string]string{"CIVITAS_LISTEN": "127.0.0.1:" + healthy}, nil, ""},
		{"not ready", map[string]string{"CIVITAS_LISTEN": "0.0.0.0:" + failing}, nil, "503"},
		{"nothing listening", map[string]string{"CIVITAS_LISTEN": "0.0.0.0:" + closed}, nil, "healthcheck"},
		{"worker's operator listener", map[string]string{"CIVITAS_LISTEN": "0.0.0.0:" + closed, "CIVITAS_METRICS_LISTEN": "0.0.0.0:" + healthy}, []string{"--operator"}, ""},
		{"no port", map[string]string{"CIVITAS_LISTEN": "0.0.0.0"}, nil, "CIVITAS_LISTEN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			m := &Main{Stdout: &out, Stderr: &out, Getenv: func(k string) string { return tt.env[k] }}
			err := m.Run(context.Background(), append([]string{"healthcheck"}, tt.args...))
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("healthcheck failed: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("healthcheck error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}
