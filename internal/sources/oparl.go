package sources

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/civitas-eu/civitas/internal/egress"
)

// OParlConfig configures a council information system source: an OParl
// 1.0 or 1.1 API (https://oparl.org), walked from its System (or one
// Body) through papers and, optionally, meetings to their files.
type OParlConfig struct {
	// URL is the System object's URL (the API's entry point) or a Body's.
	URL string `json:"url"`
	// Bodies keeps only these bodies, by id URL or short name; empty
	// takes every body of the system.
	Bodies []string `json:"bodies"`
	// Meetings adds the meetings' files (invitations, protocols and their
	// attachments) to the papers' files.
	Meetings bool `json:"meetings"`
	// ModifiedSince, when set, asks the lists for objects modified since
	// then (the OParl modified_since filter). It is a fixed scope ("the
	// last two legislative periods"), not an incremental cursor: a
	// listing must always hold everything the source keeps, or the sync
	// would prune the rest.
	ModifiedSince time.Time `json:"modified_since"`
	// MaxListPages bounds the list pages read per listing (default 10000).
	MaxListPages int `json:"max_list_pages"`
	// MaxFiles bounds the files per listing (default 100000).
	MaxFiles int `json:"max_files"`
	// MaxBytes bounds every file download (default 64 MiB); a JSON
	// response is bounded by the smaller of this and 16 MiB.
	MaxBytes int64 `json:"max_bytes"`
	// Timeout bounds every request, body included (default 60s).
	Timeout time.Duration `json:"timeout"`
	// UserAgent is sent with every request.
	UserAgent string `json:"user_agent"`
	// AllowRemote lets this source reach hosts outside the local and
	// private networks (most council systems are hosted by a vendor).
	AllowRemote bool `json:"allow_remote"`
	// Egress is the deployment's guard; AllowRemote above is added to it.
	Egress egress.Guard `json:"-"`
}

// maxJSONBytes bounds one OParl JSON response: a list page of 100
// papers is a few hundred kilobytes.
const maxJSONBytes = 16 << 20

// OParl lists the files of a council information system.
type OParl struct {
	cfg  OParlConfig
	f    *fetcher // files
	json *fetcher // API objects and lists

	mu       sync.Mutex
	failures []Failure
	access   map[string]string // file id → accessUrl, from the last List
}

var (
	_ Lister          = (*OParl)(nil)
	_ FailureReporter = (*OParl)(nil)
)

// NewOParl checks cfg, fills in its defaults and returns the source. hc
// may be nil; its transport is cloned to dial through the egress guard.
func NewOParl(cfg OParlConfig, hc *http.Client) (*OParl, error) {
	if _, err := checkSourceURL(cfg.URL); err != nil {
		return nil, fmt.Errorf("oparl source: %w", err)
	}
	for _, c := range []struct {
		name     string
		v        *int
		def, max int
	}{{"max_list_pages", &cfg.MaxListPages, 10_000, 1_000_000}, {"max_files", &cfg.MaxFiles, 100_000, 10_000_000}} {
		if *c.v == 0 {
			*c.v = c.def
		}
		if err := checkRange(c.name, int64(*c.v), 1, int64(c.max)); err != nil {
			return nil, fmt.Errorf("oparl source: %w", err)
		}
	}
	for i, b := range cfg.Bodies {
		if strings.TrimSpace(b) == "" {
			return nil, fmt.Errorf("oparl source: bodies[%d]: empty", i)
		}
	}
	if err := defaultLimits(&cfg.MaxBytes, &cfg.Timeout); err != nil {
		return nil, fmt.Errorf("oparl source: %w", err)
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = defaultUserAgent
	}
	g := cfg.Egress
	g.AllowRemote = g.AllowRemote || cfg.AllowRemote
	f, err := newFetcher(hc, g, cfg.UserAgent, cfg.Timeout, cfg.MaxBytes)
	if err != nil {
		return nil, fmt.Errorf("oparl source: %w", err)
	}
	jf := *f
	jf.maxBytes = min(cfg.MaxBytes, maxJSONBytes)
	return &OParl{cfg: cfg, f: f, json: &jf}, nil
}

// List walks system → bodies → papers (and meetings) → files. A list
// that cannot be read fails the whole listing (its later pages are out of
// reach); a single file that cannot be read is a Failure.
func (o *OParl) List(ctx context.Context) ([]Entry, error) {
	w := &oparlWalk{o: o, access: map[string]string{}, seen: map[string]bool{}}
	err := w.run(ctx)
	o.mu.Lock()
	o.failures = w.failures
	if err == nil {
		o.access = w.access
	}
	o.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("oparl source: %w", err)
	}
	slices.SortFunc(w.entries, func(a, b Entry) int { return strings.Compare(a.Key, b.Key) })
	return w.entries, nil
}

// Failures returns the files the last List could not read.
func (o *OParl) Failures() []Failure {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]Failure(nil), o.failures...)
}

// Open downloads a file from its accessUrl: the one the last listing saw,
// or, for an entry from an earlier run, the one its File object names now.
func (o *OParl) Open(ctx context.Context, e Entry) (io.ReadCloser, error) {
	o.mu.Lock()
	access := o.access[e.Key]
	o.mu.Unlock()
	if access == "" {
		var f oparlFile
		if err := o.getJSON(ctx, e.Key, &f); err != nil {
			return nil, fmt.Errorf("oparl source: %w", err)
		}
		access = f.access()
		if access == "" {
			return nil, fmt.Errorf("oparl source: file %s has no accessUrl", e.Key)
		}
	}
	if u, err := url.Parse(access); err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("oparl source: file %s: accessUrl %q is not an http(s) URL", e.Key, access)
	}
	resp, err := o.f.do(ctx, http.MethodGet, access, "")
	if err != nil {
		return nil, fmt.Errorf("oparl source: file %s: %w", e.Key, err)
	}
	return resp.Body, nil
}
