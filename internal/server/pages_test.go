package server_test

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// The pages are served with the security headers, as HTML, with their
// embedded assets reachable; the documents, audit and admin pages only for
// their groups, and each linked only for them.
func TestPages(t *testing.T) {
	b := setup(t, setupOpts{})
	tests := []struct {
		name   string
		path   string
		user   string
		groups []string
		status int
		want   []string
		absent []string
	}{
		{"chat page", "/", "a.meier", nil, 200, []string{`id="ask-form"`, `data-i18n="layout.aiNotice"`, `id="mode-banner"`, "a.meier"}, []string{`href="/documents"`}},
		{"chat page shows documents to knowledge managers", "/", "k.lang", []string{"knowledge-manager"}, 200, []string{`href="/documents"`}, nil},
		{"documents page", "/documents", "k.lang", []string{"knowledge-manager"}, 200, []string{`id="upload-form"`, `id="docs-table"`}, []string{`data-i18n="docs.forbidden"`}},
		{"documents page refused to others", "/documents", "a.meier", []string{"staff"}, 403, []string{`data-i18n="docs.forbidden"`}, []string{`id="upload-form"`}},
		{"about page for everyone", "/about", "a.meier", []string{"staff"}, 200, []string{`id="about-collections-table"`, `href="/about" data-i18n="nav.about" aria-current="page"`, `id="sign-out-form"`}, []string{`href="/audit"`, `href="/admin"`}},
		{"audit page", "/audit", "r.prüfer", []string{"auditor"}, 200, []string{`id="audit-form"`, `id="verify-button"`, `href="/audit"`}, []string{`data-i18n="audit.forbidden"`, `href="/admin"`}},
		{"audit page refused to others", "/audit", "a.meier", []string{"staff", "admin"}, 403, []string{`data-i18n="audit.forbidden"`}, []string{`id="audit-form"`, `href="/audit"`}},
		{"admin page", "/admin", "root", []string{"admin"}, 200, []string{`id="key-form"`, `id="subject-form"`, `<section id="models-admin"`, `href="/admin"`}, []string{`data-i18n="admin.forbidden"`, `href="/audit"`}},
		{"admin page refused to others", "/admin", "a.meier", []string{"auditor", "knowledge-manager"}, 403, []string{`data-i18n="admin.forbidden"`}, []string{`id="key-form"`, `href="/admin"`}},
		{"signed-out page needs no identity", "/signed-out", "", nil, 200, []string{`href="/auth/login"`}, []string{`id="sign-out-form"`, `class="site-nav"`}},
		{"pages need an identity", "/", "", nil, 401, nil, nil},
		{"the about page needs an identity", "/about", "", nil, 401, nil, nil},
		{"the audit page needs an identity", "/audit", "", nil, 401, nil, nil},
		{"the admin page needs an identity", "/admin", "", nil, 401, nil, nil},
		{"only the root is the chat page", "/chat/nope", "a.meier", nil, 404, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := request(t, "GET", b.url+tt.path, tt.user, tt.groups, nil, nil)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %.200s", resp.StatusCode, tt.status, body)
			}
			if tt.status != 200 && tt.status != 403 {
				return
			}
			if ct := resp.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
				t.Errorf("Content-Type %q", ct)
			}
			if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "style-src 'self'") {
				t.Errorf("Content-Security-Policy %q", csp)
			}
			if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control %q, want no-store for a personal page", cc)
			}
			for _, w := range tt.want {
				if !strings.Contains(string(body), w) {
					t.Errorf("page lacks %s", w)
				}
			}
			for _, w := range tt.absent {
				if strings.Contains(string(body), w) {
					t.Errorf("page has %s", w)
				}
			}
		})
	}
}

// Every script and style sheet a page names is served from this origin
// with its proper type and a long cache lifetime.
func TestPageAssetsServed(t *testing.T) {
	b := setup(t, setupOpts{})
	_, body := request(t, "GET", b.url+"/", "a.meier", nil, nil, nil)
	refs := regexp.MustCompile(`(?:src|href)="(/static/[^"]+)"`).FindAllStringSubmatch(string(body), -1)
	if len(refs) < 3 {
		t.Fatalf("page names %d static files, want the icon, the style sheet and the script", len(refs))
	}
	for _, m := range refs {
		resp, err := http.Get(b.url + m[1]) // static files need no identity
		if err != nil {
			t.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		ct := resp.Header.Get("Content-Type")
		if resp.StatusCode != 200 || n == 0 || resp.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" ||
			!(strings.HasPrefix(ct, "text/css") || strings.HasPrefix(ct, "text/javascript") || strings.HasPrefix(ct, "image/svg+xml")) {
			t.Errorf("%s: status %d, %d bytes, Content-Type %q, Cache-Control %q", m[1], resp.StatusCode, n, ct, resp.Header.Get("Cache-Control"))
		}
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: no nosniff", m[1])
		}
	}
}
