package sources_test

import (
	"context"
	"errors"
	"io"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/civitas-eu/civitas/internal/sources"
)

func newWeb(t *testing.T, cfg sources.WebConfig) *sources.Web {
	t.Helper()
	w, err := sources.NewWeb(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func keys(base string, es []sources.Entry) []string {
	var out []string
	for _, e := range es {
		out = append(out, strings.TrimPrefix(e.Key, base))
	}
	return out
}

func failureReasons(base string, fs []sources.Failure) map[string]string {
	out := map[string]string{}
	for _, f := range fs {
		out[strings.TrimPrefix(f.Key, base)] = f.Reason
	}
	return out
}

// TestWebListsSiteWithinDepthRobotsAndHost crawls the test site from its
// start page and checks what is in the listing and what is not, and why.
func TestWebListsSiteWithinDepthRobotsAndHost(t *testing.T) {
	site := newTestSite(t)
	base := site.srv.URL
	cases := []struct {
		name     string
		depth    int
		broken   bool
		want     []string
		failures []string // keys, whose reasons must name the cause
		// partial: ErrIncomplete, as a page failed in a way that may pass
		// and may have linked documents; a failed document (busy.pdf)
		// holds nothing back.
		partial bool
	}{
		{"depth 0: the start page and the documents it links", 0, true,
			[]string{"/", "/docs/haushalt.pdf"}, []string{"/docs/busy.pdf"}, false},
		{"depth 1 with a 500 page", 1, true,
			[]string{"/", "/about.html", "/docs/bericht.pdf", "/docs/haushalt.pdf", "/intern/public.html", "/news/"},
			[]string{"/broken", "/docs/busy.pdf", "/loop", "/moved", "/out"}, true},
		{"depth 1, the page repaired", 1, false,
			[]string{"/", "/about.html", "/broken", "/docs/bericht.pdf", "/docs/haushalt.pdf", "/intern/public.html", "/news/"},
			[]string{"/docs/busy.pdf", "/loop", "/moved", "/out"}, false},
		{"depth 2", 2, false,
			[]string{"/", "/about.html", "/broken", "/docs/bericht.pdf", "/docs/deep.pdf", "/docs/haushalt.pdf", "/intern/public.html", "/news/", "/news/deep.html"},
			[]string{"/docs/busy.pdf", "/loop", "/moved", "/out"}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			site.broken.Store(c.broken)
			w := newWeb(t, sources.WebConfig{URL: base + "/", MaxDepth: c.depth})
			entries, err := w.List(context.Background())
			if c.partial != errors.Is(err, sources.ErrIncomplete) || (!c.partial && err != nil) {
				t.Fatalf("err = %v, want incomplete %v", err, c.partial)
			}
			if got := keys(base, entries); !slices.Equal(got, c.want) {
				t.Errorf("entries\n got %q\nwant %q", got, c.want)
			}
			fails := failureReasons(base, w.Failures())
			if got := slices.Sorted(maps.Keys(fails)); !slices.Equal(got, c.failures) {
				t.Errorf("failures %v, want keys %q", fails, c.failures)
			}
			for k, want := range map[string]string{"/broken": "HTTP 500", "/docs/busy.pdf": "HTTP 503", "/loop": "redirect loop", "/out": "refused", "/moved": "off the site"} {
				if r, ok := fails[k]; ok && !strings.Contains(r, want) {
					t.Errorf("failure %s: %q does not say %q", k, r, want)
				}
			}
		})
	}
}

// TestWebEntriesCarryNamesTokensAndContent: names end in the extension
// the pipeline picks the extractor by; tokens come from ETag; Open gives
// the bytes the server holds.
func TestWebEntriesCarryNamesTokensAndContent(t *testing.T) {
	site := newTestSite(t)
	site.broken.Store(false)
	w := newWeb(t, sources.WebConfig{URL: site.srv.URL + "/", MaxDepth: 1})
	entries, err := w.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	byKey := map[string]sources.Entry{}
	for _, e := range entries {
		byKey[strings.TrimPrefix(e.Key, site.srv.URL)] = e
	}
	pdf := byKey["/docs/haushalt.pdf"]
	if pdf.Name != "haushalt.pdf" || pdf.Token != `"haushalt-v1"` || pdf.Size != int64(len(site.pdf)) ||
		pdf.Meta["title"] != "Haushalt 2025" || pdf.Modified.IsZero() {
		t.Errorf("pdf entry = %+v", pdf)
	}
	for k, name := range map[string]string{"/": "index.html", "/news/": "news.html", "/about.html": "about.html"} {
		if got := byKey[k].Name; got != name {
			t.Errorf("%s: name %q, want %q", k, got, name)
		}
		if byKey[k].Token == "" {
			t.Errorf("%s: no change token", k)
		}
	}
	before := site.requests.Load()
	for k, want := range map[string]string{"/docs/haushalt.pdf": string(site.pdf), "/about.html": site.pages["/about.html"]} {
		rc, err := w.Open(context.Background(), byKey[k])
		if err != nil {
			t.Fatalf("open %s: %v", k, err)
		}
		got, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || string(got) != want {
			t.Errorf("open %s: %d bytes, err %v; want the served %d bytes", k, len(got), err, len(want))
		}
	}
	if n := site.requests.Load() - before; n != 1 {
		t.Errorf("open made %d requests, want 1 (the PDF; the page was kept from the listing)", n)
	}
	if _, err := w.Open(context.Background(), sources.Entry{Key: "http://93.184.216.34/x.pdf"}); err == nil {
		t.Error("opened an entry off the site")
	}
}

// TestWebSitemapIndex lists from a sitemap index: its sitemap's pages
// (robots.txt still applies) and the documents they and it list.
func TestWebSitemapIndex(t *testing.T) {
	site := newTestSite(t)
	w := newWeb(t, sources.WebConfig{URL: site.srv.URL + "/sitemap.xml"})
	entries, err := w.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"/about.html", "/docs/bericht.pdf", "/docs/plan.pdf", "/news/"}
	if got := keys(site.srv.URL, entries); !slices.Equal(got, want) {
		t.Errorf("entries %q, want %q", got, want)
	}
}

// TestWebListingErrors: when the listing cannot be trusted it fails, with
// no entries, and says why; the engine then prunes nothing.
func TestWebListingErrors(t *testing.T) {
	site := newTestSite(t)
	cases := []struct {
		name string
		cfg  sources.WebConfig
		prep func()
		want string
	}{
		{"server unreachable", sources.WebConfig{URL: "http://127.0.0.1:1/"}, nil, "robots.txt"},
		{"robots.txt 503", sources.WebConfig{URL: site.srv.URL + "/"}, func() { site.robots5x.Store(true) }, "robots.txt"},
		{"start page 404", sources.WebConfig{URL: site.srv.URL + "/nowhere.html"}, nil, "start page"},
		{"start page excluded by robots.txt", sources.WebConfig{URL: site.srv.URL + "/intern/secret.html"}, nil, "excludes"},
		{"start page a redirect loop", sources.WebConfig{URL: site.srv.URL + "/loop"}, nil, "redirect loop"},
		{"not a sitemap", sources.WebConfig{URL: site.srv.URL + "/about.xml"}, nil, "sitemap"},
		{"public start host", sources.WebConfig{URL: "http://93.184.216.34/"}, nil, "refused"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			site.robots5x.Store(false)
			if c.prep != nil {
				c.prep()
			}
			entries, err := newWeb(t, c.cfg).List(context.Background())
			if err == nil || entries != nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("List = %d entries, %v; want none and an error saying %q", len(entries), err, c.want)
			}
		})
	}
}

// TestWebBounds: a page over max_bytes is a failure of that page alone;
// reaching max_pages makes the listing incomplete, so nothing is pruned.
func TestWebBounds(t *testing.T) {
	site := newTestSite(t)
	site.broken.Store(false)
	site.pages["/about.html"] = page("Groß", strings.Repeat("<p>Haushalt und Satzung.</p>", 200))
	w := newWeb(t, sources.WebConfig{URL: site.srv.URL + "/", MaxDepth: 1, MaxBytes: 4096})
	entries, err := w.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(keys(site.srv.URL, entries), "/about.html") {
		t.Error("the oversized page was listed")
	}
	if r := failureReasons(site.srv.URL, w.Failures())["/about.html"]; !strings.Contains(r, "limit") {
		t.Errorf("oversized page failure %q", r)
	}
	w = newWeb(t, sources.WebConfig{URL: site.srv.URL + "/", MaxDepth: 2, MaxPages: 3})
	entries, err = w.List(context.Background())
	if !errors.Is(err, sources.ErrIncomplete) || strings.Count(err.Error(), "max_pages") != 1 {
		t.Errorf("over max_pages: %v, want ErrIncomplete naming max_pages once", err)
	}
	if len(entries) == 0 {
		t.Error("an incomplete listing must still return the entries it has")
	}
}

// TestNewWebRefusesBadConfig: each mistake is named by its field.
func TestNewWebRefusesBadConfig(t *testing.T) {
	cases := []struct {
		cfg  sources.WebConfig
		want string
	}{
		{sources.WebConfig{}, "url: required"},
		{sources.WebConfig{URL: "ftp://example.org/"}, "url:"},
		{sources.WebConfig{URL: "/relative"}, "url:"},
		{sources.WebConfig{URL: "http://user:pw@example.org/"}, "url: must not carry"},
		{sources.WebConfig{URL: "http://h/", MaxDepth: -1}, "max_depth"},
		{sources.WebConfig{URL: "http://h/", MaxPages: -5}, "max_pages"},
		{sources.WebConfig{URL: "http://h/", Concurrency: 50}, "concurrency"},
		{sources.WebConfig{URL: "http://h/", MaxBytes: 10}, "max_bytes"},
		{sources.WebConfig{URL: "http://h/", Timeout: 1}, "timeout"},
	}
	for _, c := range cases {
		_, err := sources.NewWeb(c.cfg, nil)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("NewWeb(%+v) = %v, want an error naming %q", c.cfg, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), "pw") {
			t.Errorf("error leaks the password: %v", err)
		}
	}
}

// TestWebHonoursCrawlDelay: with a Crawl-delay, the requests of a
// listing after robots.txt are spaced by it.
func TestWebHonoursCrawlDelay(t *testing.T) {
	site := newTestSite(t)
	site.delay.Store("0.05")
	w := newWeb(t, sources.WebConfig{URL: site.srv.URL + "/", Concurrency: 4})
	began := time.Now()
	if _, err := w.List(context.Background()); err != nil {
		t.Fatal(err)
	}
	// The start page and two linked documents: two gaps at least.
	if took := time.Since(began); took < 100*time.Millisecond {
		t.Errorf("listing took %s; three paced requests need at least 100ms", took)
	}
}
