package web_test

import (
	"encoding/json"
	"io/fs"
	"maps"
	"net/http"
	"net/http/httptest"
	"path"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/civitas-eu/civitas/internal/web"
)

func newAssets(t *testing.T) *web.Assets {
	t.Helper()
	a, err := web.New()
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestRenderPages(t *testing.T) {
	t.Parallel()
	a := newAssets(t)
	nav := []web.NavItem{{Key: "chat", Label: "Chat", Href: "/"}, {Key: "documents", Label: "Documents", Href: "/documents"}}
	tests := []struct {
		page    string
		message string
		want    []string
		absent  []string
	}{
		{"chat", "", []string{`id="ask-form"`, `aria-live="polite"`, `id="doc-panel"`, `id="ai-notice"`, `href="/" data-i18n="nav.chat" aria-current="page"`}, []string{`role="alert"`}},
		{"documents", "", []string{`id="upload-form"`, `id="versions-dialog"`, `href="/documents" data-i18n="nav.documents" aria-current="page"`}, []string{`data-i18n="docs.forbidden"`}},
		{"documents", "forbidden", []string{`data-i18n="docs.forbidden"`, `role="alert"`}, []string{`id="upload-form"`}},
		{"about", "", []string{`id="about-chat-model"`, `id="about-collections-table"`, `data-i18n="about.check"`}, []string{`role="alert">`}},
		{"audit", "", []string{`id="audit-form"`, `id="verify-button"`, `id="export-csv"`, `role="status" aria-live="polite"`}, []string{`data-i18n="audit.forbidden"`}},
		{"audit", "forbidden", []string{`data-i18n="audit.forbidden"`, `role="alert"`}, []string{`id="audit-form"`}},
		{"admin", "", []string{`id="key-form"`, `id="subject-form"`, `id="endpoints"`, `<section id="models-admin"`, `id="erase-dialog"`,
			`id="models-table"`, `id="reembed-progress"`, `id="pull-form"`, `id="import-form"`, `id="changes-table"`}, []string{`data-i18n="admin.forbidden"`}},
		{"admin", "forbidden", []string{`data-i18n="admin.forbidden"`, `role="alert"`}, []string{`id="key-form"`, `id="models-admin"`}},
		{"signedout", "", []string{`href="/auth/login"`}, nil},
		{"insight", "", []string{`id="feedback-list"`, `id="gaps-table"`, `id="meta-form"`}, []string{`data-i18n="insight.forbidden"`}},
		{"insight", "forbidden", []string{`data-i18n="insight.forbidden"`, `role="alert"`}, []string{`id="feedback-list"`}},
		{"usage", "", []string{`id="usage-form"`, `id="usage-csv"`, `id="usage-days"`}, []string{`data-i18n="usage.forbidden"`}},
		{"transparency", "", []string{`id="transparency-form"`, `id="transparency-models"`}, []string{`data-i18n="usage.forbidden"`}},
	}
	for _, tt := range tests {
		t.Run(tt.page+"/"+tt.message, func(t *testing.T) {
			t.Parallel()
			rec := httptest.NewRecorder()
			if err := a.Render(rec, http.StatusOK, web.Page{Name: tt.page, Title: "T", Nav: nav, User: "a.meier <x>", Message: tt.message}); err != nil {
				t.Fatal(err)
			}
			body := rec.Body.String()
			if ct := rec.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
				t.Errorf("Content-Type %q", ct)
			}
			for _, w := range append(tt.want, `<html lang="en">`, `class="skip-link" href="#main"`, `<main id="main"`,
				`src="`+a.Static()+`js/`+tt.page+`.js"`, `href="`+a.Static()+`app.css"`, "a.meier &lt;x&gt;") {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %s", w)
				}
			}
			for _, w := range tt.absent {
				if strings.Contains(body, w) {
					t.Errorf("page has %s", w)
				}
			}
		})
	}
	if err := a.Render(httptest.NewRecorder(), 200, web.Page{Name: "nope"}); err == nil {
		t.Error("rendering an unknown page did not fail")
	}
}

func TestStaticHandler(t *testing.T) {
	t.Parallel()
	a := newAssets(t)
	h := a.StaticHandler()
	tests := []struct {
		name, path, ifNoneMatch string
		status                  int
		contentType, cache      string
	}{
		{"current css", a.Static() + "app.css", "", 200, "text/css; charset=utf-8", "public, max-age=31536000, immutable"},
		{"current module", a.Static() + "js/chat.js", "", 200, "text/javascript; charset=utf-8", "public, max-age=31536000, immutable"},
		{"catalog", a.Static() + "i18n/de.json", "", 200, "application/json", "public, max-age=31536000, immutable"},
		{"older version gets the file uncached", "/static/000000000000/app.css", "", 200, "text/css; charset=utf-8", "no-cache"},
		{"unknown file", a.Static() + "nope.js", "", 404, "", ""},
		{"no version", "/static/app.css", "", 404, "", ""},
		{"templates are not static", a.Static() + "../pages/chat.html", "", 404, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", tt.path, nil))
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d", rec.Code, tt.status)
			}
			if tt.status != 200 {
				return
			}
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, tt.contentType) {
				t.Errorf("Content-Type %q, want %q", ct, tt.contentType)
			}
			if cc := rec.Header().Get("Cache-Control"); cc != tt.cache {
				t.Errorf("Cache-Control %q, want %q", cc, tt.cache)
			}
			etag := rec.Header().Get("ETag")
			if etag == "" || rec.Body.Len() == 0 {
				t.Fatalf("no ETag or empty body")
			}
			// Revalidation with the ETag costs no body.
			req := httptest.NewRequest("GET", tt.path, nil)
			req.Header.Set("If-None-Match", etag)
			rec2 := httptest.NewRecorder()
			h.ServeHTTP(rec2, req)
			if rec2.Code != http.StatusNotModified {
				t.Errorf("revalidation: status %d, want 304", rec2.Code)
			}
		})
	}
}

// staticFiles returns every embedded file's text by path.
func staticFiles(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := fs.WalkDir(web.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(web.FS(), p)
		out[p] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Nothing may be loaded from elsewhere, and nothing may need the inline
// script or style the CSP forbids.
func TestAssetsSelfContained(t *testing.T) {
	t.Parallel()
	files := staticFiles(t)
	if len(files) < 10 {
		t.Fatalf("only %d embedded files", len(files))
	}
	url := regexp.MustCompile(`(?i)(https?:)?//[a-z0-9.-]+\.[a-z]{2,}`)
	rules := []struct {
		name string
		ext  []string
		re   *regexp.Regexp
	}{
		{"inline style attribute", []string{".html"}, regexp.MustCompile(`(?i)\sstyle\s*=`)},
		{"style element", []string{".html"}, regexp.MustCompile(`(?i)<style`)},
		{"inline event handler", []string{".html"}, regexp.MustCompile(`(?i)\son[a-z]+\s*=`)},
		{"inline script", []string{".html"}, regexp.MustCompile(`(?i)<script(?:(?:\s+[a-z-]+="[^"]*")*)\s*>\s*[^<\s]`)},
		{"script without src", []string{".html"}, regexp.MustCompile(`(?i)<script(?:\s+(?:type|defer|async)(?:="[^"]*")?)*\s*>`)},
		{"element.style in script", []string{".js"}, regexp.MustCompile(`\.style\b|setAttribute\(\s*['"]style`)},
		{"eval-like code", []string{".js"}, regexp.MustCompile(`\beval\(|new Function\(|innerHTML|outerHTML|insertAdjacentHTML|document\.write`)},
		{"CSS import or font from elsewhere", []string{".css"}, regexp.MustCompile(`@import|@font-face`)},
	}
	for p, text := range files {
		// The vendored pdf.js (scripts/pdfjs.sh checks it against its
		// pinned package) names XML namespaces and example hosts in its
		// code; the CSP (connect-src 'self') keeps it from fetching any.
		if strings.HasPrefix(p, "static/pdfjs/") {
			continue
		}
		for _, m := range url.FindAllString(text, -1) {
			// An SVG's namespace name is an identifier, never fetched.
			if path.Ext(p) == ".svg" && m == "http://www.w3.org" {
				continue
			}
			t.Errorf("%s refers to another host: %s", p, m)
		}
		for _, r := range rules {
			if slices.Contains(r.ext, path.Ext(p)) && r.re.MatchString(text) {
				t.Errorf("%s has %s: %q", p, r.name, r.re.FindString(text))
			}
		}
	}
}

// Every UI string exists in every language, and every key the pages and
// scripts use exists.
func TestCatalogsComplete(t *testing.T) {
	t.Parallel()
	files := staticFiles(t)
	catalogs := map[string]map[string]string{}
	for _, lang := range []string{"en", "de", "fr"} {
		var c map[string]string
		if err := json.Unmarshal([]byte(files["static/i18n/"+lang+".json"]), &c); err != nil {
			t.Fatalf("catalog %s: %v", lang, err)
		}
		catalogs[lang] = c
	}
	en := slices.Sorted(maps.Keys(catalogs["en"]))
	for lang, c := range catalogs {
		if got := slices.Sorted(maps.Keys(c)); !slices.Equal(got, en) {
			t.Errorf("catalog %s has keys %v, en has %v", lang, got, en)
		}
		for k, v := range c {
			if strings.TrimSpace(v) == "" {
				t.Errorf("catalog %s: %s is empty", lang, k)
			}
		}
	}
	if catalogs["de"]["chat.send"] == catalogs["en"]["chat.send"] {
		t.Error("the German catalog is not translated")
	}
	used := regexp.MustCompile(`data-i18n(?:-[a-z-]+)?="([a-zA-Z.]+)"|\bt\('([a-zA-Z.]+)'|(?:setState|button)\((?:'[a-z-]+',\s*)?'([a-zA-Z]+\.[a-zA-Z.]+)'`)
	var keys []string
	for _, text := range files {
		for _, m := range used.FindAllStringSubmatch(text, -1) {
			keys = append(keys, m[1]+m[2]+m[3])
		}
	}
	// Keys built at run time: page titles, nav entries, job statuses.
	keys = append(keys, []string{"title.chat", "title.documents", "title.about", "title.audit", "title.admin", "title.signedout",
		"nav.chat", "nav.documents", "nav.about", "nav.audit", "nav.admin",
		"status.queued", "status.processing", "status.done", "status.failed", "mode.search", "mode.lexical",
		"admin.status.active", "admin.status.revoked", "admin.status.expired", "admin.mode.full", "admin.mode.lexical", "admin.mode.search",
		"audit.shown", "audit.shownMore", "audit.question", "audit.answerText", "audit.mode", "audit.chatModel", "audit.embedModel",
		"audit.promptVersion", "audit.retrieved", "audit.verifyOK", "audit.verifyBroken", "admin.revokeTitle", "admin.revokeText",
		"admin.mode", "admin.version", "admin.promptVersion",
		"title.insight", "title.usage", "title.transparency", "nav.insight", "nav.usage", "nav.transparency"}...)
	if len(keys) < 80 {
		t.Fatalf("found only %d keys in use; is the pattern broken?", len(keys))
	}
	for _, k := range keys {
		if _, ok := catalogs["en"][k]; !ok {
			t.Errorf("key %q is used but not in the catalogs", k)
		}
	}
}
