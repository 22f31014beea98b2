package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/civitas-eu/civitas/internal/auth"
	"github.com/civitas-eu/civitas/internal/dbtest"
	"github.com/civitas-eu/civitas/internal/store"
)

// TestCreateLoginPurgesExpired: starting a sign-in deletes the logins that
// expired before the cut-off and keeps the live ones, so abandoned
// sign-ins (which need no account to start) do not pile up.
func TestCreateLoginPurgesExpired(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, err := store.New(dbtest.Tx(t))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	cutoff := now.Add(-10 * time.Minute)
	login := func(state string, at time.Time) auth.Login {
		return auth.Login{StateHash: auth.Hash(state), Nonce: "n-" + state, Verifier: "v-" + state, Next: "/", CreatedAt: at}
	}
	for _, l := range []auth.Login{login("old", now.Add(-time.Hour)), login("live", now.Add(-time.Minute))} {
		// A cut-off far in the past purges nothing while seeding.
		if err := st.CreateLogin(ctx, l, now.Add(-24*time.Hour)); err != nil {
			t.Fatalf("CreateLogin: %v", err)
		}
	}
	if err := st.CreateLogin(ctx, login("new", now), cutoff); err != nil {
		t.Fatalf("CreateLogin: %v", err)
	}
	for _, tc := range []struct {
		state string
		want  bool
	}{{"old", false}, {"live", true}, {"new", true}} {
		// createdAfter in the distant past: only the purge can have removed it.
		_, found, err := st.TakeLogin(ctx, auth.Hash(tc.state), time.Time{})
		if err != nil {
			t.Fatalf("TakeLogin(%s): %v", tc.state, err)
		}
		if found != tc.want {
			t.Errorf("login %q found = %v, want %v", tc.state, found, tc.want)
		}
	}
}
