package sources

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/civitas-eu/civitas/internal/egress"
)

// Config is what a kind is built from: the source's URL and settings, its
// credentials (already read from their reference) and the HTTP client to
// use, whose dialer enforces the egress guard.
type Config struct {
	URL      string
	Settings map[string]any
	Creds    Credentials
	Client   *http.Client
	// FolderRoots are the folders that folder sources may lie under
	// (--sources-folder-roots); none: the folder kind is refused.
	FolderRoots []string
	// AllowRemote is the source's opt-in to hosts outside the local and
	// private networks, and Egress the deployment's guard: the web and
	// OParl kinds check every address they dial (links, redirects) with
	// them.
	AllowRemote bool
	Egress      egress.Guard
}

// Factory builds the Lister of one kind. It validates the URL and
// settings and returns an error naming what is wrong.
type Factory func(Config) (Lister, error)

// Kinds is the registry of source kinds: the one place a new kind is
// added.
func Kinds() map[string]Factory {
	return map[string]Factory{
		"folder": newFolder,
		"webdav": newWebDAV,
		"s3":     newS3,
		"web":    newWebKind,
		"oparl":  newOParlKind,
	}
}

// Credentials are a user name (or access key) and a secret, read when a
// source is synced from the reference it stores, never kept.
type Credentials struct {
	User   string
	Secret string
}

// Empty reports whether there are none.
func (c Credentials) Empty() bool { return c.User == "" && c.Secret == "" }

// ValidCredentialsRef checks a credentials reference: "", "file:/abs/path"
// or "env:NAME".
func ValidCredentialsRef(ref string) error {
	switch {
	case ref == "":
		return nil
	case strings.HasPrefix(ref, "file:"):
		if p := strings.TrimPrefix(ref, "file:"); !strings.HasPrefix(p, "/") {
			return errors.New("credentials: a file reference needs an absolute path (file:/run/secrets/name)")
		}
		return nil
	case strings.HasPrefix(ref, "env:"):
		name := strings.TrimPrefix(ref, "env:")
		if name == "" || strings.ContainsAny(name, "= \t\n") {
			return errors.New("credentials: env:NAME needs a variable name")
		}
		// The server's own settings hold its database password and keys:
		// a source would send them to its host.
		if strings.HasPrefix(strings.ToUpper(name), "CIVITAS_") {
			return errors.New("credentials: env:CIVITAS_* are the server's own settings, never a source's credentials")
		}
		return nil
	}
	return errors.New(`credentials: give a reference, "file:/path" or "env:NAME", never the secret itself`)
}

// ReadCredentials resolves ref: the file or variable holds "user:secret"
// on its first line. Errors never contain the content.
func ReadCredentials(ref string, getenv func(string) string) (Credentials, error) {
	if ref == "" {
		return Credentials{}, nil
	}
	if err := ValidCredentialsRef(ref); err != nil {
		return Credentials{}, err
	}
	var raw string
	if p, ok := strings.CutPrefix(ref, "file:"); ok {
		b, err := readSmall(p, maxCredentialsFile)
		if err != nil {
			return Credentials{}, fmt.Errorf("credentials file %s cannot be read (a regular file of at most %d bytes)", p, maxCredentialsFile)
		}
		raw = string(b)
	} else {
		name := strings.TrimPrefix(ref, "env:")
		if raw = getenv(name); raw == "" {
			return Credentials{}, fmt.Errorf("credentials variable %s is not set", name)
		}
	}
	line, _, _ := strings.Cut(raw, "\n")
	user, secret, ok := strings.Cut(strings.TrimSpace(line), ":")
	if !ok {
		return Credentials{}, fmt.Errorf("credentials %s: expected USER:SECRET on the first line", ref)
	}
	return Credentials{User: user, Secret: secret}, nil
}

// maxCredentialsFile bounds what a credentials file reference reads: one
// line, not /dev/zero.
const maxCredentialsFile = 64 << 10

// readSmall reads the regular file p, refusing one larger than max (or a
// device, a FIFO), without reading more than max+1 bytes.
func readSmall(p string, max int64) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return nil, errors.New("not a regular file")
	}
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err == nil && int64(len(b)) > max {
		err = errors.New("too large")
	}
	return b, err
}

// checkURL refuses a URL whose host is outside the allowed networks,
// unless the source allows remote hosts (an admin's decision).
func checkURL(ctx context.Context, raw string, allowRemote bool, r egress.Resolver) error {
	if allowRemote {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return nil // not a network URL (a folder); the kind validates it
	}
	return sourceGuard(r).Check(ctx, egress.URLTarget("source url", u))
}

// sourceGuard is the egress guard of sources: local and private networks,
// but not link-local ones, where the cloud metadata service hands out
// credentials to whoever asks.
func sourceGuard(r egress.Resolver) egress.Guard {
	return egress.Guard{Resolver: r, NoLinkLocal: true}
}

// httpClient returns a client whose every connection, redirects included,
// goes to an allowed address unless allowRemote: the check is made on the
// address dialled, so DNS answers that change after the URL was checked
// cannot lead out.
func httpClient(allowRemote bool, timeout time.Duration) *http.Client {
	d := &net.Dialer{Timeout: 10 * time.Second}
	if !allowRemote {
		d.Control = func(_, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("egress: %s: %w", address, egress.ErrRefused)
			}
			if !sourceGuard(nil).Permits(ap.Addr()) {
				return fmt.Errorf("egress: %s is a public address (or link-local) and this source may not reach it: %w", ap.Addr(), egress.ErrRefused)
			}
			return nil
		}
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = d.DialContext
	tr.Proxy = nil // a proxy would dial for us, around the guard
	return &http.Client{Transport: tr, Timeout: timeout}
}
