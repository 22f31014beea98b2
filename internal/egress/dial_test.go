package egress_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/civitas-eu/civitas/internal/egress"
)

// rebinding answers with a loopback address first and a public one on
// every later lookup: the attack a check-then-dial guard falls for.
type rebinding struct{ n atomic.Int32 }

func (r *rebinding) LookupNetIP(context.Context, string, string) ([]netip.Addr, error) {
	if r.n.Add(1) == 1 {
		return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
	}
	return []netip.Addr{netip.MustParseAddr("93.184.216.34")}, nil
}

// TestGuardDialRefusesPublicAddressesAfterResolution: the dialler checks
// the address it is about to dial, so a name that resolves to a public
// address is refused whatever it resolved to before.
func TestGuardDialRefusesPublicAddressesAfterResolution(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") }))
	t.Cleanup(srv.Close)
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	dns := stubResolver{
		"intranet.city":  {"127.0.0.1"},
		"public.example": {"93.184.216.34"},
		"split.example":  {"127.0.0.1", "93.184.216.34"},
		// Allowed public hosts resolve into TEST-NET-1 (RFC 5737), which
		// no one answers: the test makes no connection outside.
		"vendor.example": {"192.0.2.10"},
	}
	cases := []struct {
		name, host string
		guard      egress.Guard
		refused    bool
	}{
		{"loopback literal", "127.0.0.1", egress.Guard{Resolver: dns}, false},
		{"private name", "intranet.city", egress.Guard{Resolver: dns}, false},
		{"public literal", "8.8.8.8", egress.Guard{Resolver: dns}, true},
		{"public name", "public.example", egress.Guard{Resolver: dns}, true},
		{"one public answer", "split.example", egress.Guard{Resolver: dns}, true},
		{"mapped public literal", "::ffff:8.8.8.8", egress.Guard{Resolver: dns}, true},
		{"public name allowed by name", "vendor.example", egress.Guard{Resolver: dns, Allow: []string{"VENDOR.example"}}, false},
		{"public name, source allows remote", "vendor.example", egress.Guard{Resolver: dns, AllowRemote: true}, false},
		{"public literal, source allows remote", "192.0.2.11", egress.Guard{Resolver: dns, AllowRemote: true}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			defer cancel()
			hc, err := c.guard.GuardClient(nil)
			if err != nil {
				t.Fatal(err)
			}
			req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+bracket(c.host)+":"+port+"/", nil)
			resp, err := hc.Do(req)
			if resp != nil {
				resp.Body.Close()
			}
			if got := errors.Is(err, egress.ErrRefused); got != c.refused {
				t.Fatalf("refused = %v, want %v (err %v)", got, c.refused, err)
			}
			if c.host != "127.0.0.1" && c.host != "intranet.city" {
				return // allowed public hosts are not reachable from the test; only the guard's verdict matters
			}
			if err != nil {
				t.Fatalf("local host not reached: %v", err)
			}
		})
	}
}

func bracket(h string) string {
	if strings.Contains(h, ":") {
		return "[" + h + "]"
	}
	return h
}

// TestGuardDialDefeatsDNSRebinding: Check passes a name that resolves to
// loopback; the dial resolves again, gets a public address and refuses.
func TestGuardDialDefeatsDNSRebinding(t *testing.T) {
	r := &rebinding{}
	g := egress.Guard{Resolver: r}
	if err := g.Check(context.Background(), egress.Target{Setting: "source url", Hosts: []string{"rebind.example"}}); err != nil {
		t.Fatalf("first lookup should pass the check: %v", err)
	}
	_, err := g.DialContext(context.Background(), "tcp", "rebind.example:80")
	if !errors.Is(err, egress.ErrRefused) || !strings.Contains(err.Error(), "93.184.216.34") {
		t.Fatalf("dial after rebinding: %v, want a refusal naming the public address", err)
	}
}

// TestGuardClientFollowsRedirectsThroughTheGuard: a local server that
// redirects to a public address does not get the client there.
func TestGuardClientFollowsRedirectsThroughTheGuard(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://93.184.216.34/", http.StatusFound)
	}))
	t.Cleanup(srv.Close)
	base := &http.Client{Transport: &http.Transport{Proxy: http.ProxyFromEnvironment}}
	hc, err := egress.Guard{}.GuardClient(base)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := hc.Get(srv.URL)
	if resp != nil {
		resp.Body.Close()
	}
	if !errors.Is(err, egress.ErrRefused) {
		t.Fatalf("redirect to a public address: %v, want a refusal", err)
	}
	if _, err := (egress.Guard{}).GuardClient(&http.Client{Transport: roundTripFunc(nil)}); err == nil {
		t.Fatal("a client with an unknown transport was accepted: it could bypass the guard")
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
