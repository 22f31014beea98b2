// Package web holds the browser interface of the assistant: HTML page
// templates, one style sheet, plain ES-module scripts (no build step) and
// the UI translations (English, German, French), all embedded in the
// binary. Nothing is loaded from elsewhere: a city's network may have no
// internet, and the strict Content-Security-Policy allows only this origin.
//
// Static files are served under /static/<version>/, where version is a
// hash of every embedded file: a page always names the files of its own
// release, so browsers may cache them for a year (immutable) and an
// upgrade is picked up at once. Scripts import each other by relative
// paths, so they resolve within the same version.
//
// Pages are rendered from pages/layout.html (header with navigation,
// language switch, the AI notice and the mode banner) around a page's own
// "content" template. Text in the templates is English and carries
// data-i18n keys; the scripts translate it in the browser from
// static/i18n/<lang>.json, the language being chosen from the browser's
// preferences or the switch (remembered in localStorage).
package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net/http"
	"path"
	"sort"
	"strings"
	"time"
)

//go:embed static pages
var files embed.FS

// StaticPrefix is the URL path the static handler is mounted at.
const StaticPrefix = "/static/"

// FS returns the embedded files: static/… (served as they are) and
// pages/… (templates).
func FS() fs.FS { return files }

// NavItem is an entry of the header's navigation.
type NavItem struct {
	Key   string // page name, also its i18n key "nav.<key>"
	Label string // English label, translated in the browser
	Href  string
}

// Page is what a page template is rendered with.
type Page struct {
	Name    string // template file pages/<name>.html and script js/<name>.js
	Title   string // English title, translated in the browser from "title.<name>"
	Nav     []NavItem
	User    string
	Static  string // the versioned static prefix, e.g. /static/3f2a…/
	Message string // optional page-specific notice, e.g. why access is refused
}

// Assets are the parsed templates and the static files with their
// version.
type Assets struct {
	version string
	pages   map[string]*template.Template
	static  map[string]staticFile
}

type staticFile struct {
	data []byte
	etag string
}

// New parses the embedded templates and hashes the static files. It fails
// only when an embedded file is malformed, which the package's tests catch.
func New() (*Assets, error) {
	a := &Assets{pages: map[string]*template.Template{}, static: map[string]staticFile{}}
	var names []string
	err := fs.WalkDir(files, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		names = append(names, p)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("web: list static files: %w", err)
	}
	sort.Strings(names)
	all := sha256.New()
	for _, p := range names {
		b, err := files.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("web: read %s: %w", p, err)
		}
		sum := sha256.Sum256(b)
		name := strings.TrimPrefix(p, "static/")
		a.static[name] = staticFile{data: b, etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
		io.WriteString(all, name)
		all.Write(sum[:])
	}
	a.version = hex.EncodeToString(all.Sum(nil)[:6])

	layout, err := template.ParseFS(files, "pages/layout.html")
	if err != nil {
		return nil, fmt.Errorf("web: parse layout: %w", err)
	}
	entries, err := fs.ReadDir(files, "pages")
	if err != nil {
		return nil, fmt.Errorf("web: list pages: %w", err)
	}
	for _, e := range entries {
		if e.Name() == "layout.html" || path.Ext(e.Name()) != ".html" {
			continue
		}
		t, err := template.Must(layout.Clone()).ParseFS(files, "pages/"+e.Name())
		if err != nil {
			return nil, fmt.Errorf("web: parse page %s: %w", e.Name(), err)
		}
		a.pages[strings.TrimSuffix(e.Name(), ".html")] = t
	}
	return a, nil
}

// Static returns the versioned prefix pages load their files from.
func (a *Assets) Static() string { return StaticPrefix + a.version + "/" }

// Render writes page p with the given status. The page is rendered into a
// buffer first, so a template error becomes an error, not half a page.
func (a *Assets) Render(w http.ResponseWriter, status int, p Page) error {
	t, ok := a.pages[p.Name]
	if !ok {
		return fmt.Errorf("web: no page named %q", p.Name)
	}
	p.Static = a.Static()
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		return fmt.Errorf("web: render page %s: %w", p.Name, err)
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store") // pages show the caller's name and rights
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

// StaticHandler serves the static files under StaticPrefix. Files of the
// current version are cacheable for a year; a request naming another
// version (a page from before an upgrade) gets the current file, not to
// be cached. Every file has an ETag for revalidation.
func (a *Assets) StaticHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rest, ok := strings.CutPrefix(r.URL.Path, StaticPrefix)
		version, name, found := strings.Cut(rest, "/")
		f, exists := a.static[name]
		if !ok || !found || !exists {
			http.NotFound(w, r)
			return
		}
		if version == a.version {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			w.Header().Set("Cache-Control", "no-cache")
		}
		w.Header().Set("ETag", f.etag)
		http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(f.data))
	})
}
