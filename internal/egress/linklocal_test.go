package egress_test

import (
	"context"
	"errors"
	"testing"

	"github.com/civitas-eu/civitas/internal/egress"
)

// TestGuardNoLinkLocalRefusesMetadataService: with NoLinkLocal (the guard
// of sources) the metadata service is refused however it is spelt or
// reached (IP literal, IPv4-mapped IPv6, a name resolving to it) before
// anything is dialled; without it (the operator's settings) link-local
// stays allowed, and NoLinkLocal leaves loopback and private alone.
func TestGuardNoLinkLocalRefusesMetadataService(t *testing.T) {
	r := stubResolver{"metadata.internal": {"169.254.169.254"}, "nas.internal": {"10.0.0.5"}}
	g := egress.Guard{Resolver: r, NoLinkLocal: true}
	for _, addr := range []string{"169.254.169.254:80", "[::ffff:169.254.169.254]:80", "[fe80::1]:80", "metadata.internal:80"} {
		c, err := g.DialContext(context.Background(), "tcp", addr)
		if c != nil {
			c.Close()
		}
		if !errors.Is(err, egress.ErrRefused) {
			t.Errorf("dial %s: %v, want ErrRefused", addr, err)
		}
		host := addr[:len(addr)-3]
		if err := g.Check(context.Background(), egress.Target{Setting: "source url", Hosts: []string{host}}); !errors.Is(err, egress.ErrRefused) {
			t.Errorf("check %s: %v, want ErrRefused", host, err)
		}
	}
	for _, host := range []string{"127.0.0.1", "10.0.0.5", "nas.internal", "fd00::1"} {
		if err := g.Check(context.Background(), egress.Target{Setting: "source url", Hosts: []string{host}}); err != nil {
			t.Errorf("check %s: %v", host, err)
		}
	}
	operator := egress.Guard{Resolver: r}
	if err := operator.Check(context.Background(), egress.Target{Setting: "--ollama-url", Hosts: []string{"169.254.10.1"}}); err != nil {
		t.Errorf("the operator's guard refuses link-local: %v", err)
	}
}
