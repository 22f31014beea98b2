package server

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

type countingPinger struct {
	n   atomic.Int32
	err error
}

func (p *countingPinger) Ping(context.Context) error { p.n.Add(1); return p.err }

// The public /readyz asks the database at most once a second, however
// many anonymous callers ask it, and says only ready or unavailable.
func TestReadyzPublicPingsSparingly(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		err  error
		code int
		body string
	}{
		{nil, http.StatusOK, `{"status":"ready"}`},
		{errors.New("connection refused"), http.StatusServiceUnavailable, `{"status":"unavailable"}`},
	} {
		db := &countingPinger{err: tt.err}
		h := New(Config{}, slog.New(slog.NewTextHandler(io.Discard, nil)), Deps{DB: db}).Handler()
		for range 50 {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", "/readyz", nil))
			if got := strings.Join(strings.Fields(rec.Body.String()), ""); rec.Code != tt.code || got != tt.body {
				t.Fatalf("/readyz = %d %s, want %d %s", rec.Code, got, tt.code, tt.body)
			}
		}
		if n := db.n.Load(); n != 1 {
			t.Errorf("50 calls pinged the database %d times, want once", n)
		}
	}
}
