package sources_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/civitas-eu/civitas/internal/sources"
)

// TestWebDAVHrefsStayInsideTheCollection: a hostile WebDAV server answers
// PROPFIND with hrefs that climb out of the source's collection ("..",
// encoded "%2e%2e", a doubled slash). No entry may carry such a key: it
// would be fetched from outside the collection and give the document a
// source:// URI with ".." in it.
func TestWebDAVHrefsStayInsideTheCollection(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != "PROPFIND" {
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(http.StatusMultiStatus)
		fmt.Fprint(w, `<?xml version="1.0"?><d:multistatus xmlns:d="DAV:">`)
		for _, href := range []string{"/dav/", "/dav/ok.md", "/dav/../etc/passwd", "/dav/sub/%2e%2e/%2e%2e/secret.md", "/dav/./../x.md"} {
			fmt.Fprintf(w, `<d:response><d:href>%s</d:href><d:propstat><d:status>HTTP/1.1 200 OK</d:status><d:prop><d:resourcetype/><d:getetag>"1"</d:getetag></d:prop></d:propstat></d:response>`, href)
		}
		fmt.Fprint(w, `</d:multistatus>`)
	}))
	t.Cleanup(srv.Close)
	l, err := sources.Kinds()["webdav"](sources.Config{URL: srv.URL + "/dav/", Client: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	entries, err := l.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, e := range entries {
		keys = append(keys, e.Key)
		if strings.Contains(e.Key, "..") || strings.HasPrefix(e.Key, "/") {
			t.Errorf("entry key %q leaves the collection", e.Key)
		}
	}
	if len(keys) != 1 || keys[0] != "ok.md" {
		t.Errorf("keys %q, want only ok.md", keys)
	}
}
