package sources_test

import (
	"context"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/civitas-eu/civitas/internal/sources"
)

func TestCronNext(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.Parse("2006-01-02 15:04", s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct{ expr, from, want string }{
		{"*/15 * * * *", "2026-12-04 10:07", "2026-12-04 10:15"},
		{"0 2 * * *", "2026-12-04 10:07", "2026-12-05 02:00"},
		{"30 6 * * 1-5", "2026-12-04 10:07", "2026-12-07 06:30"}, // Friday → Monday
		{"0 0 1 * *", "2026-12-04 10:07", "2027-01-01 00:00"},
		{"0 12 * * 0", "2026-12-04 10:07", "2026-12-06 12:00"},
		{"0 12 * * 7", "2026-12-04 10:07", "2026-12-06 12:00"},
		{"5,10 8 * * *", "2026-12-04 08:05", "2026-12-04 08:10"},
	} {
		c, err := sources.ParseCron(tc.expr)
		if err != nil {
			t.Fatalf("%s: %v", tc.expr, err)
		}
		if got := c.Next(at(tc.from)); !got.Equal(at(tc.want)) {
			t.Errorf("%s from %s: %s, want %s", tc.expr, tc.from, got, tc.want)
		}
	}
	for _, bad := range []string{"", "* * * *", "60 * * * *", "* * * * 8", "*/0 * * * *", "a * * * *", "5-1 * * * *"} {
		if _, err := sources.ParseCron(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestCredentialsAreReferencesNeverSecrets(t *testing.T) {
	file := filepath.Join(t.TempDir(), "nc")
	if err := os.WriteFile(file, []byte("alice:pa55word\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	getenv := func(k string) string { return map[string]string{"NC": "bob:hunter2"}[k] }
	for _, tc := range []struct {
		ref, user, secret string
		ok                bool
	}{
		{"", "", "", true},
		{"file:" + file, "alice", "pa55word", true},
		{"env:NC", "bob", "hunter2", true},
		{"env:MISSING", "", "", false},
		{"alice:pa55word", "", "", false}, // a secret given in place of a reference
		{"file:relative", "", "", false},
	} {
		c, err := sources.ReadCredentials(tc.ref, getenv)
		if (err == nil) != tc.ok || c.User != tc.user || c.Secret != tc.secret {
			t.Errorf("%q: %+v %v", tc.ref, c, err)
		}
		if err != nil && strings.Contains(err.Error(), "pa55word") {
			t.Errorf("%q: the error shows the secret: %v", tc.ref, err)
		}
	}
}

type fixedResolver map[string]string

func (r fixedResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	a, ok := r[host]
	if !ok {
		return nil, errors.New("no such host")
	}
	return []netip.Addr{netip.MustParseAddr(a)}, nil
}

// TestSourceOutsideAllowedNetworksRefused: a source URL on a public
// address is refused unless the source allows remote hosts; a folder
// outside the allowed roots is refused, and the folder kind is off until
// an operator names roots.
func TestSourceOutsideAllowedNetworksRefused(t *testing.T) {
	root := t.TempDir()
	inside := filepath.Join(root, "share")
	if err := os.MkdirAll(inside, 0o755); err != nil {
		t.Fatal(err)
	}
	eng := func(roots ...string) *sources.Engine {
		return sources.NewEngine(nil, sources.EngineConfig{FolderRoots: roots,
			Resolver: fixedResolver{"dav.example.org": "93.184.216.34", "nc.intern": "10.1.2.3"}}, quiet())
	}
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		src  sources.Source
		e    *sources.Engine
		ok   bool
	}{
		{"public webdav", sources.Source{Kind: "webdav", URL: "https://dav.example.org/remote.php/dav/"}, eng(), false},
		{"public webdav allowed", sources.Source{Kind: "webdav", URL: "https://dav.example.org/remote.php/dav/", AllowRemote: true}, eng(), true},
		{"private webdav", sources.Source{Kind: "webdav", URL: "https://nc.intern/remote.php/dav/"}, eng(), true},
		{"public s3 ip", sources.Source{Kind: "s3", URL: "https://8.8.8.8/bucket"}, eng(), false},
		{"folder inside roots", sources.Source{Kind: "folder", URL: inside}, eng(root), true},
		{"folder outside roots", sources.Source{Kind: "folder", URL: "/etc"}, eng(root), false},
		{"folder without roots", sources.Source{Kind: "folder", URL: inside}, eng(), false},
		{"unknown kind", sources.Source{Kind: "ftp", URL: "ftp://10.0.0.1/"}, eng(), false},
		{"bad cron", sources.Source{Kind: "webdav", URL: "http://10.0.0.1/", Cron: "every day"}, eng(), false},
		{"secret as credentials", sources.Source{Kind: "webdav", URL: "http://10.0.0.1/", Credentials: "u:p"}, eng(), false},
	} {
		err := tc.e.Validate(ctx, tc.src)
		if (err == nil) != tc.ok {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}
