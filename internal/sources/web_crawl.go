package sources

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"sync"
	"time"
)

// maxSitemaps bounds the sitemaps a sitemap index may point to.
const maxSitemaps = 50

// crawl is one listing of a website: breadth first, level by level, a
// bounded number of requests in flight.
type crawl struct {
	w      *Web
	robots *robots

	seen       map[string]bool   // pages queued or fetched, by URL
	docs       map[string]string // linked documents: URL → anchor text
	docOrder   []string
	entries    []Entry
	keys       map[string]bool
	failures   []Failure
	incomplete []string // why pruning is unsafe after this listing

	paceMu sync.Mutex
	nextAt time.Time // when the next request may start, under a Crawl-delay
}

// pageResult is what fetching one page gave.
type pageResult struct {
	url   string
	entry *Entry
	links []link
	err   error
}

func (c *crawl) run(ctx context.Context) ([]Entry, error) {
	c.keys = map[string]bool{}
	start := c.w.start
	rb, err := c.fetchRobots(ctx)
	if err != nil {
		return nil, fmt.Errorf("web source: %w", err)
	}
	c.robots = rb
	if !rb.allowed(requestPath(start)) {
		return nil, fmt.Errorf("web source: robots.txt of %s excludes %s for %s", start.Host, start.Redacted(), c.w.agentToken())
	}
	var frontier []string
	if strings.HasSuffix(strings.ToLower(start.Path), ".xml") {
		if frontier, err = c.sitemap(ctx); err != nil {
			return nil, fmt.Errorf("web source: %w", err)
		}
	} else {
		frontier = []string{start.String()}
		c.seen[start.String()] = true
	}
	pages, capped := 0, false
	for depth := 0; len(frontier) > 0; depth++ {
		if left := c.w.cfg.MaxPages - pages; len(frontier) > left {
			frontier = frontier[:left]
			if !capped {
				c.incomplete = append(c.incomplete, fmt.Sprintf("more than max_pages (%d) pages", c.w.cfg.MaxPages))
				capped = true
			}
			if left == 0 {
				break
			}
		}
		pages += len(frontier)
		results := make([]pageResult, len(frontier))
		c.parallel(len(frontier), func(i int) { results[i] = c.fetchPage(ctx, frontier[i]) })
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("web source: %w", err)
		}
		var next []string
		for _, r := range results {
			if r.err != nil {
				if depth == 0 && len(frontier) == 1 && r.url == start.String() {
					return nil, fmt.Errorf("web source: start page: %w", r.err) // nothing to go on
				}
				c.fail(r.url, r.err, true)
				continue
			}
			if r.entry != nil && !c.keys[r.entry.Key] {
				c.keys[r.entry.Key] = true
				c.entries = append(c.entries, *r.entry)
			}
			for _, l := range r.links {
				u, _ := url.Parse(l.url)
				if !c.w.sameHost(u) || !c.robots.allowed(requestPath(u)) {
					continue // off the site, or excluded
				}
				switch linkKind(u) {
				case linkDocument:
					c.addDoc(l)
				case linkPage:
					if depth < c.w.cfg.MaxDepth && !c.seen[l.url] {
						c.seen[l.url] = true
						next = append(next, l.url)
					}
				}
			}
		}
		frontier = next
	}
	if len(c.docOrder) > c.w.cfg.MaxDocuments {
		c.docOrder = c.docOrder[:c.w.cfg.MaxDocuments]
		c.incomplete = append(c.incomplete, fmt.Sprintf("more than max_documents (%d) documents", c.w.cfg.MaxDocuments))
	}
	docs := make([]*Entry, len(c.docOrder))
	errs := make([]error, len(c.docOrder))
	c.parallel(len(c.docOrder), func(i int) { docs[i], errs[i] = c.fetchDoc(ctx, c.docOrder[i]) })
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("web source: %w", err)
	}
	for i, d := range docs {
		switch {
		case errs[i] != nil:
			c.fail(c.docOrder[i], errs[i], false)
		case d != nil && !c.keys[d.Key]:
			c.keys[d.Key] = true
			c.entries = append(c.entries, *d)
		}
	}
	slices.SortFunc(c.entries, func(a, b Entry) int { return strings.Compare(a.Key, b.Key) })
	if n := len(c.incomplete); n > 0 {
		why := strings.Join(c.incomplete[:min(n, 5)], "; ")
		if n > 5 {
			why += fmt.Sprintf("; and %d more", n-5)
		}
		return c.entries, fmt.Errorf("web source %s: %s: %w", start.Redacted(), why, ErrIncomplete)
	}
	return c.entries, nil
}

// fail records a failed entry. A dead link is no failure: the entry is
// gone. A page that failed for a reason that may pass could have linked
// documents not seen this time, so the listing is incomplete.
func (c *crawl) fail(key string, err error, page bool) {
	if gone(err) {
		return
	}
	c.failures = append(c.failures, Failure{Key: key, Reason: reason(err)})
	if page && transient(err) {
		c.incomplete = append(c.incomplete, fmt.Sprintf("page %s failed (%s)", key, reason(err)))
	}
}

// reason is err for people, without the Go error chain's repetitions.
func reason(err error) string {
	var he *HTTPError
	switch {
	case errors.As(err, &he):
		return fmt.Sprintf("HTTP %d %s", he.Status, http.StatusText(he.Status))
	case errors.Is(err, context.DeadlineExceeded):
		return "timed out"
	}
	return err.Error()
}

func (c *crawl) addDoc(l link) {
	if t, ok := c.docs[l.url]; ok {
		if t == "" {
			c.docs[l.url] = l.text
		}
		return
	}
	c.docs[l.url] = l.text
	c.docOrder = append(c.docOrder, l.url)
}

// parallel runs fn(0..n-1) with at most cfg.Concurrency calls at once.
func (c *crawl) parallel(n int, fn func(int)) {
	sem := make(chan struct{}, c.w.cfg.Concurrency)
	var wg sync.WaitGroup
	for i := range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			fn(i)
		})
	}
	wg.Wait()
}

// pace waits for the robots.txt Crawl-delay since the previous request
// of this crawl.
func (c *crawl) pace(ctx context.Context) error {
	if c.robots == nil || c.robots.delay == 0 {
		return nil
	}
	c.paceMu.Lock()
	at := c.nextAt
	if now := time.Now(); at.Before(now) {
		at = now
	}
	c.nextAt = at.Add(c.robots.delay)
	c.paceMu.Unlock()
	t := time.NewTimer(time.Until(at))
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// fetchRobots reads the site's robots.txt: none (4xx) allows everything;
// an unreachable one (5xx, network) stops the listing, as RFC 9309 asks
// crawlers to assume everything is disallowed then.
func (c *crawl) fetchRobots(ctx context.Context) (*robots, error) {
	u := url.URL{Scheme: c.w.start.Scheme, Host: c.w.start.Host, Path: "/robots.txt"}
	data, _, err := c.w.f.getBytes(ctx, u.String(), "text/plain")
	var he *HTTPError
	if errors.As(err, &he) && he.Status >= 400 && he.Status < 500 {
		return &robots{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("robots.txt: %w", err)
	}
	return parseRobots(data, c.w.agentToken()), nil
}

// sitemap reads the configured sitemap (or index and its sitemaps) and
// returns its pages; documents it lists directly are queued as such.
func (c *crawl) sitemap(ctx context.Context) ([]string, error) {
	todo, fetched := []string{c.w.start.String()}, 0
	var pages []string
	for len(todo) > 0 {
		sm := todo[0]
		todo = todo[1:]
		if fetched++; fetched > maxSitemaps+1 {
			return nil, fmt.Errorf("sitemap index %s lists more than %d sitemaps", c.w.start.Redacted(), maxSitemaps)
		}
		if err := c.pace(ctx); err != nil {
			return nil, err
		}
		data, _, err := c.w.f.getBytes(ctx, sm, "application/xml,text/xml")
		if err != nil {
			return nil, fmt.Errorf("sitemap: %w", err)
		}
		index, locs, err := parseSitemap(data)
		if err != nil {
			return nil, fmt.Errorf("sitemap %s: %w", sm, err)
		}
		for _, l := range locs {
			u, err := url.Parse(l)
			if err != nil || !c.w.sameHost(u) || !c.robots.allowed(requestPath(u)) {
				continue
			}
			u.Fragment = ""
			switch {
			case index && sm == c.w.start.String():
				todo = append(todo, u.String()) // one level of index only
			case index:
			case linkKind(u) == linkDocument:
				c.addDoc(link{url: u.String()})
			case linkKind(u) == linkPage && !c.seen[u.String()]:
				c.seen[u.String()] = true
				pages = append(pages, u.String())
			}
		}
	}
	return pages, nil
}

// fetchPage GETs one page: an HTML page becomes an entry (unless its
// robots meta tag says noindex) and gives its links; a document served
// under a page-like URL becomes a document entry.
func (c *crawl) fetchPage(ctx context.Context, raw string) pageResult {
	res := pageResult{url: raw}
	if res.err = c.pace(ctx); res.err != nil {
		return res
	}
	resp, err := c.w.f.do(ctx, http.MethodGet, raw, "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5")
	if err != nil {
		res.err = err
		return res
	}
	defer resp.Body.Close()
	final := resp.Request.URL
	if !c.w.sameHost(final) {
		res.err = fmt.Errorf("%w to %s", errOffSite, final.Redacted())
		return res
	}
	key := final.String()
	mt := mediaType(resp.Header)
	if ext, ok := docMediaTypes[mt]; ok {
		res.entry = headerEntry(key, fileName(final, ext), resp, "")
		return res
	}
	if !isHTML(mt) {
		return res // an image or a feed behind a page-like URL: nothing to take
	}
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		res.err = err
		return res
	}
	links, noindex, nofollow := pageLinks(final, resp.Header.Get("Content-Type"), data)
	if !nofollow {
		res.links = links
	}
	if !noindex {
		res.entry = headerEntry(key, fileName(final, ".html"), resp, "")
		res.entry.Size = int64(len(data))
		c.w.keep(key, data)
	}
	return res
}

// fetchDoc asks for a linked document's headers (HEAD, or GET where a
// server refuses HEAD) to learn its change token without downloading it.
func (c *crawl) fetchDoc(ctx context.Context, raw string) (*Entry, error) {
	if err := c.pace(ctx); err != nil {
		return nil, err
	}
	resp, err := c.w.f.do(ctx, http.MethodHead, raw, "")
	var he *HTTPError
	if errors.As(err, &he) && (he.Status == http.StatusMethodNotAllowed || he.Status == http.StatusNotImplemented) {
		resp, err = c.w.f.do(ctx, http.MethodGet, raw, "")
	}
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	u, _ := url.Parse(raw)
	ext := strings.ToLower(path.Ext(u.Path))
	if !docExts[ext] {
		ext = extFor(mediaType(resp.Header))
	}
	return headerEntry(raw, fileName(u, ext), resp, c.docs[raw]), nil
}

func headerEntry(key, name string, resp *http.Response, title string) *Entry {
	e := &Entry{
		Key: key, Name: name, Token: changeToken(resp.Header), Size: resp.ContentLength,
		Modified: lastModified(resp.Header), Meta: map[string]string{"url": key},
	}
	if e.Size < 0 {
		e.Size = -1
	}
	if title != "" {
		e.Meta["title"] = title
	}
	return e
}

// requestPath is what robots.txt rules match: the path and the query.
func requestPath(u *url.URL) string {
	p := u.EscapedPath()
	if p == "" {
		p = "/"
	}
	if u.RawQuery != "" {
		p += "?" + u.RawQuery
	}
	return p
}
