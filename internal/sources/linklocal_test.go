package sources_test

import (
	"errors"
	"testing"
	"time"

	"github.com/civitas-eu/civitas/internal/egress"
	"github.com/civitas-eu/civitas/internal/sources"
)

// TestSourceClientRefusesLinkLocal: the client of webdav and s3 sources
// checks the address it dials, so a name that resolves to the metadata
// service at sync time (after the URL passed validation) is refused
// there; only allow_remote lifts it.
func TestSourceClientRefusesLinkLocal(t *testing.T) {
	for _, u := range []string{"http://169.254.169.254/latest/meta-data/", "http://[fe80::1]:9/", "http://[::ffff:169.254.169.254]/"} {
		resp, err := sources.HTTPClient(false, 5*time.Second).Get(u)
		if resp != nil {
			resp.Body.Close()
		}
		if !errors.Is(err, egress.ErrRefused) {
			t.Errorf("GET %s: %v, want ErrRefused", u, err)
		}
	}
}

// TestCredentialsFileBounded: a credentials file reference reads a small
// regular file only: a device such as /dev/zero is refused rather than
// read until memory runs out.
func TestCredentialsFileBounded(t *testing.T) {
	done := make(chan error, 1)
	go func() { _, err := sources.ReadCredentials("file:/dev/zero", nil); done <- err }()
	select {
	case err := <-done:
		if err == nil {
			t.Error("file:/dev/zero was read as credentials")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("reading file:/dev/zero as credentials does not end")
	}
	if err := sources.ValidCredentialsRef("env:CIVITAS_DATABASE_URL"); err == nil {
		t.Error("env:CIVITAS_DATABASE_URL is accepted as a source's credentials")
	}
}
