package sources

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/civitas-eu/civitas/internal/egress"
)

// maxRedirects bounds a redirect chain; a chain back to a URL already in
// it is a loop and stops at once.
const maxRedirects = 10

var (
	errRedirectLoop = errors.New("redirect loop")
	errTooLarge     = errors.New("response too large")
	errOffSite      = errors.New("redirected off the site")
)

// HTTPError is a response with a status other than 200 OK.
type HTTPError struct {
	URL    string
	Status int
}

func (e *HTTPError) Error() string {
	return fmt.Sprintf("%s: HTTP %d %s", e.URL, e.Status, http.StatusText(e.Status))
}

// transient reports whether err may go away by itself (a 5xx, a timeout,
// a refused connection), as opposed to a dead link, a redirect loop, an
// oversized response or an egress refusal, which will not.
func transient(err error) bool {
	var he *HTTPError
	switch {
	case errors.As(err, &he):
		return he.Status >= 500 || he.Status == http.StatusTooManyRequests
	case errors.Is(err, errRedirectLoop), errors.Is(err, errTooLarge), errors.Is(err, errOffSite),
		errors.Is(err, egress.ErrRefused):
		return false
	}
	return true
}

// gone reports a dead link: not a failure, the entry just is not there.
func gone(err error) bool {
	var he *HTTPError
	return errors.As(err, &he) && (he.Status == http.StatusNotFound || he.Status == http.StatusGone)
}

// fetcher is the HTTP side shared by the web and OParl kinds: every
// connection through the egress guard, a user agent, a deadline per
// request and a bound on every body.
type fetcher struct {
	hc        *http.Client
	userAgent string
	timeout   time.Duration
	maxBytes  int64
}

func newFetcher(hc *http.Client, g egress.Guard, userAgent string, timeout time.Duration, maxBytes int64) (*fetcher, error) {
	c, err := g.GuardClient(hc)
	if err != nil {
		return nil, err
	}
	c.Timeout = 0 // each request carries its own deadline, body included
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		for _, v := range via {
			if v.URL.String() == req.URL.String() {
				return fmt.Errorf("%w at %s", errRedirectLoop, req.URL.Redacted())
			}
		}
		if len(via) >= maxRedirects {
			return fmt.Errorf("%w: more than %d redirects", errRedirectLoop, maxRedirects)
		}
		return nil
	}
	return &fetcher{hc: c, userAgent: userAgent, timeout: timeout, maxBytes: maxBytes}, nil
}

// do sends a GET (or HEAD) and returns a 200 response whose body is
// bounded by f.maxBytes and, when closed, releases the request's
// deadline. Any other status is an *HTTPError.
func (f *fetcher) do(ctx context.Context, method, url, accept string) (*http.Response, error) {
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	req, err := http.NewRequestWithContext(ctx, method, url, nil)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("%s: %w", url, err)
	}
	req.Header.Set("User-Agent", f.userAgent)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := f.hc.Do(req)
	if err != nil {
		cancel()
		return nil, err // *url.Error names the URL
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		cancel()
		return nil, &HTTPError{URL: url, Status: resp.StatusCode}
	}
	if resp.ContentLength > f.maxBytes {
		resp.Body.Close()
		cancel()
		return nil, fmt.Errorf("%s: %d bytes, over the limit of %d: %w", url, resp.ContentLength, f.maxBytes, errTooLarge)
	}
	resp.Body = &boundedBody{r: resp.Body, left: f.maxBytes, url: url, limit: f.maxBytes, cancel: cancel}
	return resp, nil
}

// getBytes reads a whole response body, refusing one over the limit.
func (f *fetcher) getBytes(ctx context.Context, url, accept string) ([]byte, *http.Response, error) {
	resp, err := f.do(ctx, http.MethodGet, url, accept)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, nil, err
	}
	return data, resp, nil
}

// boundedBody fails, rather than truncates, past the limit: a cut-off PDF
// must not be ingested as if it were whole.
type boundedBody struct {
	r      io.ReadCloser
	left   int64
	limit  int64
	url    string
	cancel context.CancelFunc
}

func (b *boundedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// One byte more tells a body of exactly the limit from a longer one.
		var one [1]byte
		for {
			n, err := b.r.Read(one[:])
			if n > 0 {
				return 0, fmt.Errorf("%s: over the limit of %d bytes: %w", b.url, b.limit, errTooLarge)
			}
			if err != nil {
				return 0, err // io.EOF: the body was exactly the limit
			}
		}
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.r.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *boundedBody) Close() error {
	err := b.r.Close()
	b.cancel()
	return err
}

// mediaType is the response's Content-Type without parameters, lower case.
func mediaType(h http.Header) string {
	t, _, _ := strings.Cut(h.Get("Content-Type"), ";")
	return strings.ToLower(strings.TrimSpace(t))
}

// changeToken is the ETag, or else the Last-Modified date.
func changeToken(h http.Header) string {
	if e := h.Get("ETag"); e != "" {
		return e
	}
	return h.Get("Last-Modified")
}

func lastModified(h http.Header) time.Time {
	t, _ := http.ParseTime(h.Get("Last-Modified"))
	return t
}
