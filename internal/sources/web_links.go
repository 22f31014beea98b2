package sources

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"mime"
	"net/url"
	"path"
	"regexp"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/net/html/charset"
)

// link is a URL found on a page, with its anchor text.
type link struct {
	url  string
	text string
}

// pageLinks returns the links of an HTML page, resolved against its URL
// (or its <base href>), without fragments, and what its robots meta tag
// says.
func pageLinks(pageURL *url.URL, contentType string, data []byte) (links []link, noindex, nofollow bool) {
	r, err := charset.NewReader(bytes.NewReader(data), contentType)
	if err != nil {
		r = bytes.NewReader(data)
	}
	root, err := html.Parse(r)
	if err != nil {
		return nil, false, false
	}
	base := pageURL
	for n := range root.Descendants() {
		if n.Type != html.ElementNode {
			continue
		}
		switch n.DataAtom {
		case atom.Base:
			if b, err := pageURL.Parse(attr(n, "href")); err == nil && base == pageURL {
				base = b
			}
		case atom.Meta:
			if strings.EqualFold(attr(n, "name"), "robots") {
				c := strings.ToLower(attr(n, "content"))
				noindex = noindex || strings.Contains(c, "noindex") || strings.Contains(c, "none")
				nofollow = nofollow || strings.Contains(c, "nofollow") || strings.Contains(c, "none")
			}
		case atom.A, atom.Area:
			href := strings.TrimSpace(attr(n, "href"))
			if href == "" || strings.Contains(strings.ToLower(attr(n, "rel")), "nofollow") {
				continue
			}
			links = append(links, link{url: href, text: anchorText(n)})
		}
	}
	out := links[:0]
	for _, l := range links {
		u, err := base.Parse(l.url)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
			continue
		}
		u.Fragment, u.RawFragment = "", ""
		out = append(out, link{url: u.String(), text: l.text})
	}
	return out, noindex, nofollow
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Namespace == "" && strings.EqualFold(a.Key, key) {
			return a.Val
		}
	}
	return ""
}

var spaces = regexp.MustCompile(`\s+`)

func anchorText(n *html.Node) string {
	var sb strings.Builder
	for d := range n.Descendants() {
		if d.Type == html.TextNode {
			sb.WriteString(d.Data)
			sb.WriteByte(' ')
		}
	}
	t := strings.TrimSpace(spaces.ReplaceAllString(sb.String(), " "))
	if t == "" {
		t = attr(n, "title")
	}
	if len(t) > 300 {
		t = t[:300]
	}
	return t
}

// Kinds of link, by the extension of the URL's path.
const (
	linkPage = iota
	linkDocument
	linkOther // images, media, archives, style sheets: neither
)

var docExts = map[string]bool{".pdf": true, ".docx": true, ".odt": true}

var otherExts = map[string]bool{
	".jpg": true, ".jpeg": true, ".png": true, ".gif": true, ".svg": true, ".webp": true, ".ico": true,
	".css": true, ".js": true, ".json": true, ".xml": true, ".rss": true, ".atom": true, ".ics": true,
	".zip": true, ".gz": true, ".tar": true, ".7z": true, ".rar": true, ".exe": true, ".dmg": true,
	".mp3": true, ".mp4": true, ".webm": true, ".ogg": true, ".wav": true, ".avi": true, ".mov": true,
	".woff": true, ".woff2": true, ".ttf": true, ".eot": true, ".doc": true, ".xls": true, ".xlsx": true,
	".ppt": true, ".pptx": true, ".vcf": true,
}

func linkKind(u *url.URL) int {
	ext := strings.ToLower(path.Ext(u.Path))
	switch {
	case docExts[ext]:
		return linkDocument
	case otherExts[ext]:
		return linkOther
	}
	return linkPage
}

// docMediaTypes are the document formats the web kind takes, with the
// extension a name gets when its URL has none.
var docMediaTypes = map[string]string{
	"application/pdf": ".pdf",
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
	"application/vnd.oasis.opendocument.text":                                 ".odt",
}

func isHTML(mt string) bool { return mt == "text/html" || mt == "application/xhtml+xml" }

var unsafeName = regexp.MustCompile(`[^\p{L}\p{N}._-]+`)

// fileName makes an entry's name from the last segment of its URL path,
// with ext when that segment lacks it: the pipeline picks the extractor
// by the name's extension.
func fileName(u *url.URL, ext string) string {
	base := path.Base(u.Path)
	if base == "/" || base == "." || base == "" {
		base = "index"
	}
	if p, err := url.PathUnescape(base); err == nil {
		base = p
	}
	base = strings.Trim(unsafeName.ReplaceAllString(base, "_"), "._")
	if base == "" {
		base = "index"
	}
	if strings.ToLower(path.Ext(base)) != ext {
		base = strings.TrimSuffix(base, path.Ext(base)) + ext
	}
	if len(base) > 120 {
		base = base[len(base)-120:]
	}
	return base
}

// extFor returns the extension for a media type, "" when unknown.
func extFor(mt string) string {
	if e, ok := docMediaTypes[mt]; ok {
		return e
	}
	if isHTML(mt) {
		return ".html"
	}
	if exts, _ := mime.ExtensionsByType(mt); len(exts) > 0 {
		return exts[0]
	}
	return ""
}

// parseSitemap reads a sitemap (<urlset>) or a sitemap index
// (<sitemapindex>) and returns its <loc> URLs.
func parseSitemap(data []byte) (index bool, locs []string, err error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = false
	var root string
	var inLoc bool
	var sb strings.Builder
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return false, nil, fmt.Errorf("not a valid sitemap: %v", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if root == "" {
				root = t.Name.Local
				if root != "urlset" && root != "sitemapindex" {
					return false, nil, fmt.Errorf("not a sitemap: the root element is <%s>, not <urlset> or <sitemapindex>", root)
				}
			}
			if t.Name.Local == "loc" {
				inLoc = true
				sb.Reset()
			}
		case xml.CharData:
			if inLoc {
				sb.Write(t)
			}
		case xml.EndElement:
			if t.Name.Local == "loc" && inLoc {
				inLoc = false
				if l := strings.TrimSpace(sb.String()); l != "" {
					locs = append(locs, l)
				}
			}
		}
	}
	if root == "" {
		return false, nil, fmt.Errorf("not a sitemap: no XML element")
	}
	return root == "sitemapindex", locs, nil
}
