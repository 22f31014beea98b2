//go:build measure

// Measurements of the web and OParl kinds on loopback servers, for the
// issue's closing note; not part of the normal test run:
//
//	go test -tags measure ./internal/sources/ -run Measure -count=1 -v
package sources_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/civitas-eu/civitas/internal/sources"
)

func TestMeasureWebSharedDocs(t *testing.T) {
	const dir = "/work/shared/data/docs"
	if _, err := os.Stat(dir); err != nil {
		t.Skip(err)
	}
	srv := httptest.NewServer(http.FileServer(http.Dir(dir)))
	defer srv.Close()
	w, _ := sources.NewWeb(sources.WebConfig{URL: srv.URL + "/"}, nil)
	t0 := time.Now()
	es, err := w.List(context.Background())
	list := time.Since(t0)
	var n int64
	t1 := time.Now()
	for _, e := range es {
		rc, err := w.Open(context.Background(), e)
		if err != nil {
			t.Fatal(err)
		}
		m, _ := io.Copy(io.Discard, rc)
		rc.Close()
		n += m
	}
	t.Logf("shared docs over HTTP: %d entries (err %v), list %s, open all %s, %.1f MB", len(es), err, list, time.Since(t1), float64(n)/1e6)
}

func TestMeasureWebCrawl(t *testing.T) {
	const fan = 22 // 1 + 22 + 484 = 507 pages at depth 2
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		var sb strings.Builder
		sb.WriteString("<html><body><main><p>" + strings.Repeat("Satzung der Stadt. ", 200) + "</p>")
		for i := range fan {
			fmt.Fprintf(&sb, `<a href="%s%d/">p</a>`, strings.TrimSuffix(r.URL.Path, "/")+"/", i)
		}
		sb.WriteString("</main></body></html>")
		io.WriteString(w, sb.String())
	}))
	defer srv.Close()
	for _, c := range []int{1, 2, 4} {
		w, _ := sources.NewWeb(sources.WebConfig{URL: srv.URL + "/", MaxDepth: 2, MaxPages: 1000, Concurrency: c}, nil)
		t0 := time.Now()
		es, err := w.List(context.Background())
		d := time.Since(t0)
		t.Logf("crawl concurrency %d: %d pages in %s (%.0f pages/s), err %v", c, len(es), d, float64(len(es))/d.Seconds(), err)
	}
}

func TestMeasureOParl(t *testing.T) {
	const pages, per = 20, 100
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := "http://" + r.Host
		var v any
		switch {
		case r.URL.Path == "/system":
			v = map[string]any{"id": b + "/system", "type": oparlNS + "System", "body": b + "/bodies"}
		case r.URL.Path == "/bodies":
			v = map[string]any{"data": []any{map[string]any{"id": b + "/body/1", "type": oparlNS + "Body", "shortName": "M", "paper": b + "/papers?page=0"}}}
		case r.URL.Path == "/papers":
			p, _ := strconv.Atoi(r.URL.Query().Get("page"))
			var data []any
			for i := range per {
				id := p*per + i
				f := func(k int) map[string]any {
					return map[string]any{"id": fmt.Sprintf("%s/file/%d-%d", b, id, k), "type": oparlNS + "File", "fileName": "f.pdf",
						"mimeType": "application/pdf", "accessUrl": b + "/dl", "modified": "2026-01-01T00:00:00Z"}
				}
				data = append(data, map[string]any{"id": fmt.Sprintf("%s/paper/%d", b, id), "type": oparlNS + "Paper", "name": "Antrag",
					"reference": strconv.Itoa(id), "date": "2026-01-01", "mainFile": f(0), "auxiliaryFile": []any{f(1)}})
			}
			next := ""
			if p+1 < pages {
				next = fmt.Sprintf("%s/papers?page=%d", b, p+1)
			}
			v = map[string]any{"data": data, "links": map[string]any{"next": next}}
		}
		json.NewEncoder(w).Encode(v)
	}))
	defer srv.Close()
	o, _ := sources.NewOParl(sources.OParlConfig{URL: srv.URL + "/system"}, nil)
	t0 := time.Now()
	es, err := o.List(context.Background())
	t.Logf("oparl: %d files from %d papers on %d list pages in %s, err %v", len(es), pages*per, pages, time.Since(t0), err)
}
