package server_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/civitas-eu/civitas/internal/auth"
	"github.com/civitas-eu/civitas/internal/server"
)

// TestRoutesWithoutStore: a server started without a store has no audit
// trail to read and no privacy service; their routes answer 503
// unavailable instead of panicking on nil.
func TestRoutesWithoutStore(t *testing.T) {
	t.Parallel()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := server.New(server.Config{Auth: orProxyHeaders(auth.Config{})},
		log, server.Deps{})
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	for _, tc := range []struct {
		method, path, groups string
	}{
		{"GET", "/api/audit", auth.GroupAuditor},
		{"POST", "/api/audit/export?format=csv", auth.GroupAuditor},
		{"GET", "/api/audit/verify", auth.GroupAuditor},
		{"POST", "/api/admin/subjects/alice/export", auth.GroupAdmin},
		{"POST", "/api/admin/subjects/alice/erase", auth.GroupAdmin},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, ts.URL+tc.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("X-Forwarded-User", "carol")
			req.Header.Set("X-Forwarded-Groups", tc.groups)
			resp, err := ts.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body struct {
				Error struct{ Code string } `json:"error"`
			}
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
				t.Fatalf("status %d, body not JSON: %v", resp.StatusCode, err)
			}
			if resp.StatusCode != http.StatusServiceUnavailable || body.Error.Code != "unavailable" {
				t.Errorf("status %d, error code %q; want 503 unavailable", resp.StatusCode, body.Error.Code)
			}
		})
	}
}
