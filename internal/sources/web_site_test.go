package sources_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/civitas-eu/civitas/internal/pdfmake"
)

// testSite is a small city website on loopback: a sitemap index, pages
// that link PDFs, a robots.txt exclusion, a redirect loop, a page that
// answers 500, a dead link and links off the site.
type testSite struct {
	srv      *httptest.Server
	pdf      []byte
	broken   atomic.Bool // /broken answers 500 while set
	robots5x atomic.Bool // robots.txt answers 503 while set
	requests atomic.Int32
	delay    atomic.Value // a Crawl-delay line for the Civitas group, when set
	pages    map[string]string
}

func makePDF(t *testing.T, title, text string) []byte {
	t.Helper()
	d := pdfmake.New(title)
	d.Heading(title)
	d.Paragraph(text)
	var buf bytes.Buffer
	if _, err := d.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func page(title, body string) string {
	return `<!doctype html><html lang="de"><head><title>` + title + `</title></head><body>` +
		`<nav><a href="/">Start</a></nav><main><h1>` + title + `</h1>` + body + `</main></body></html>`
}

func newTestSite(t *testing.T) *testSite {
	t.Helper()
	s := &testSite{pdf: makePDF(t, "Haushaltsplan 2025", "Der Haushalt der Stadt Musterstadt umfasst 812 Millionen Euro.")}
	s.broken.Store(true)
	s.pages = map[string]string{
		"/": page("Musterstadt", `<p>Willkommen.</p>
			<a href="/about.html">Über uns</a> <a href="news/">Aktuelles</a>
			<a href="/intern/secret.html">Intern</a> <a href="/intern/public.html">Öffentlich</a>
			<a href="/docs/haushalt.pdf#seite=2">Haushalt <b>2025</b></a>
			<a href="https://other.example/x.pdf">Fremd</a> <a href="//other.example/page.html">Fremd</a>
			<a href="/loop">Schleife</a> <a href="/broken">Kaputt</a> <a href="/missing.html">Tot</a>
			<a href="/docs/gone.pdf">Weg</a> <a href="/img/logo.png">Logo</a> <a href="/docs/busy.pdf">Überlastet</a> <a href="mailto:rathaus@example.org">Mail</a>
			<a href="/about.html#team">Team</a> <a href="/out">Extern</a> <a href="/moved">Umgezogen</a>`),
		"/about.html":         page("Über uns", `<p>Das Rathaus.</p>`),
		"/intern/secret.html": page("Geheim", `<a href="/docs/secret.pdf">Geheim</a>`),
		"/intern/public.html": page("Öffentlich", `<p>Öffentlich.</p>`),
		"/news/":              page("Aktuelles", `<a href="deep.html">Mehr</a> <a href="/docs/bericht.pdf">Bericht</a>`),
		"/news/deep.html":     page("Tief", `<a href="/docs/deep.pdf">Tief</a>`),
		"/noindex.html":       `<html><head><meta name="robots" content="noindex"></head><body><a href="/docs/bericht.pdf">B</a></body></html>`,
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("User-Agent") == "" || !strings.HasPrefix(r.Header.Get("User-Agent"), "Civitas") {
			http.Error(w, "no user agent", http.StatusBadRequest)
			return
		}
		p, ok := s.pages[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("ETag", fmt.Sprintf(`"%x"`, len(p)))
		fmt.Fprint(w, p)
	})
	mux.HandleFunc("/robots.txt", func(w http.ResponseWriter, r *http.Request) {
		if s.robots5x.Load() {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		// The Civitas group replaces the * group: /private/ stays allowed.
		fmt.Fprint(w, "User-agent: *\nDisallow: /private/\n\nUser-agent: Civitas\nDisallow: /intern/\nAllow: /intern/public.html\n")
		if d, ok := s.delay.Load().(string); ok {
			fmt.Fprintf(w, "Crawl-delay: %s\n", d)
		}
	})
	mux.HandleFunc("/sitemap.xml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/xml")
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
			<sitemap><loc>%[1]s/sitemap-pages.xml</loc></sitemap><sitemap><loc>https://other.example/sitemap.xml</loc></sitemap></sitemapindex>`, s.srv.URL)
	})
	mux.HandleFunc("/sitemap-pages.xml", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
			<url><loc>%[1]s/about.html</loc><lastmod>2026-11-01</lastmod></url>
			<url><loc>%[1]s/news/</loc></url><url><loc>%[1]s/intern/secret.html</loc></url>
			<url><loc>%[1]s/docs/plan.pdf</loc></url></urlset>`, s.srv.URL)
	})
	pdf := func(etag string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/pdf")
			w.Header().Set("ETag", etag)
			http.ServeContent(w, r, "", time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC), bytes.NewReader(s.pdf))
		}
	}
	for _, p := range []string{"haushalt", "bericht", "deep", "plan", "secret"} {
		mux.HandleFunc("/docs/"+p+".pdf", pdf(`"`+p+`-v1"`))
	}
	mux.HandleFunc("/docs/busy.pdf", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "busy", http.StatusServiceUnavailable) })
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop2", http.StatusFound) })
	mux.HandleFunc("/loop2", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop", http.StatusFound) })
	mux.HandleFunc("/moved", func(w http.ResponseWriter, r *http.Request) {
		// The same server under another host name: off the site all the same.
		http.Redirect(w, r, strings.Replace(s.srv.URL, "127.0.0.1", "localhost", 1)+"/about.html", http.StatusMovedPermanently)
	})
	mux.HandleFunc("/out", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://93.184.216.34/", http.StatusFound) // a public host: the egress guard stops it
	})
	mux.HandleFunc("/broken", func(w http.ResponseWriter, r *http.Request) {
		if s.broken.Load() {
			http.Error(w, "database down", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, page("Repariert", ""))
	})
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(s.srv.Close)
	return s
}
