package sources_test

import (
	"context"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/civitas-eu/civitas/internal/sources"
)

func newOParl(t *testing.T, cfg sources.OParlConfig) *sources.OParl {
	t.Helper()
	o, err := sources.NewOParl(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// TestOParlWalksSystemToFiles walks the test system: both list pages,
// embedded and referenced files, meetings, deleted papers skipped, a
// file shared by a paper and a meeting listed once with the paper's
// reference, and files that cannot be read reported, not fatal.
func TestOParlWalksSystemToFiles(t *testing.T) {
	s := newOParlServer(t)
	base := s.srv.URL + "/oparl/file/"
	cases := []struct {
		name     string
		cfg      sources.OParlConfig
		want     []string
		failures []string
	}{
		{"system, papers and meetings", sources.OParlConfig{URL: s.srv.URL + "/oparl/system", Meetings: true},
			[]string{"1", "2", "3", "5", "6", "7", "8"}, []string{"4", "404"}},
		{"one body by short name, papers only", sources.OParlConfig{URL: s.srv.URL + "/oparl/system", Bodies: []string{"musterstadt"}},
			[]string{"1", "2", "3", "5"}, []string{"4", "404"}},
		{"a Body as entry point", sources.OParlConfig{URL: s.srv.URL + "/oparl/body/1", Meetings: true},
			[]string{"1", "2", "3", "5", "6", "7"}, []string{"4", "404"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := newOParl(t, c.cfg)
			entries, err := o.List(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if got := keys(base, entries); !slices.Equal(got, c.want) {
				t.Errorf("entries %q, want %q", got, c.want)
			}
			fails := failureReasons(base, o.Failures())
			if got := slices.Sorted(maps.Keys(fails)); !slices.Equal(got, c.failures) {
				t.Errorf("failures %v, want %q", fails, c.failures)
			}
			if !strings.Contains(fails["4"], "accessUrl") || !strings.Contains(fails["404"], "404") {
				t.Errorf("failure reasons do not say why: %v", fails)
			}
		})
	}
}

// TestOParlEntriesCarryPaperMetadata: what a citation shows (paper
// title, reference, date, body) travels with each file; names carry the
// extension of the file's type; Open downloads the file from accessUrl,
// also for an entry of an earlier run.
func TestOParlEntriesCarryPaperMetadata(t *testing.T) {
	s := newOParlServer(t)
	o := newOParl(t, sources.OParlConfig{URL: s.srv.URL + "/oparl/system", Meetings: true})
	entries, err := o.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]sources.Entry{}
	for _, e := range entries {
		byID[strings.TrimPrefix(e.Key, s.srv.URL+"/oparl/file/")] = e
	}
	wantMeta := map[string]map[string]string{
		"1": {"title": "Antrag: Radweg Hauptstraße", "reference": "2026/0815", "date": "2026-03-12", "body": "Musterstadt",
			"paper_url": "https://ris.musterstadt.example/vo/1"},
		"5": {"title": "Anfrage Spielplätze", "reference": "2026/0100", "date": "2026-02-02", "body": "Musterstadt",
			"paper_url": s.srv.URL + "/oparl/paper/4"},
		"7": {"title": "Sitzung des Stadtrats", "date": "2026-03-20", "body": "Musterstadt", "meeting_url": s.srv.URL + "/oparl/meeting/1"},
		"8": {"title": "Kreisumlage", "reference": "K-7", "date": "2026-04-01", "body": "Landkreis", "paper_url": s.srv.URL + "/oparl/paper/20"},
	}
	for id, want := range wantMeta {
		if got := byID[id].Meta; !maps.Equal(got, want) {
			t.Errorf("file %s meta\n got %v\nwant %v", id, got, want)
		}
	}
	if e := byID["1"]; e.Name != "antrag-radweg.pdf" || e.Token != "2026-03-12T09:00:00+01:00" ||
		!e.Modified.Equal(time.Date(2026, 3, 12, 8, 0, 0, 0, time.UTC)) {
		t.Errorf("file 1 = %+v", e)
	}
	if name := byID["2"].Name; name != "Lageplan.pdf" {
		t.Errorf("a file without fileName is named %q, want Lageplan.pdf (name + the mimeType's extension)", name)
	}
	open := func(o *sources.OParl, id string) string {
		t.Helper()
		rc, err := o.Open(context.Background(), sources.Entry{Key: s.srv.URL + "/oparl/file/" + id})
		if err != nil {
			t.Fatalf("open file %s: %v", id, err)
		}
		defer rc.Close()
		b, err := io.ReadAll(rc)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	if got := open(o, "3"); got != string(s.files["/download/3"]) {
		t.Errorf("file 3: %d bytes, want the served %d", len(got), len(s.files["/download/3"]))
	}
	fresh := newOParl(t, sources.OParlConfig{URL: s.srv.URL + "/oparl/system"}) // no listing: reads the File object
	if got := open(fresh, "1"); got != string(s.files["/download/1"]) {
		t.Errorf("file 1 without a listing: %d bytes", len(got))
	}
}

// TestOParlModifiedSinceFilter: the scope filter reaches the server as
// the OParl modified_since parameter.
func TestOParlModifiedSinceFilter(t *testing.T) {
	s := newOParlServer(t)
	since := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, err := newOParl(t, sources.OParlConfig{URL: s.srv.URL + "/oparl/body/1", ModifiedSince: since}).List(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(s.queries) == 0 || !strings.Contains(s.queries[0], "modified_since=2026-01-01T00%3A00%3A00Z") {
		t.Errorf("paper list queries %q lack modified_since", s.queries)
	}
}

// TestOParlListingErrors: a system that cannot be walked fails the
// listing, with no entries and an error naming the URL and the cause.
func TestOParlListingErrors(t *testing.T) {
	s := newOParlServer(t)
	cases := []struct {
		name string
		cfg  sources.OParlConfig
		want []string
	}{
		{"system unreachable", sources.OParlConfig{URL: "http://127.0.0.1:1/oparl/system"}, []string{"127.0.0.1:1"}},
		{"system answers 503", sources.OParlConfig{URL: s.srv.URL + "/down/system"}, []string{"/down/system", "503"}},
		{"invalid JSON in a list", sources.OParlConfig{URL: s.srv.URL + "/badlist/system"}, []string{"/badlist/bodies", "invalid JSON"}},
		{"huge response", sources.OParlConfig{URL: s.srv.URL + "/huge/system", MaxBytes: 4096}, []string{"/huge/system", "limit"}},
		{"pagination loop", sources.OParlConfig{URL: s.srv.URL + "/loop/system"}, []string{"/loop/bodies", "already read"}},
		{"not OParl", sources.OParlConfig{URL: s.srv.URL + "/notoparl"}, []string{"neither an OParl System nor a Body"}},
		{"list page bound", sources.OParlConfig{URL: s.srv.URL + "/oparl/body/1", MaxListPages: 1}, []string{"max_list_pages"}},
		{"public host", sources.OParlConfig{URL: "http://93.184.216.34/oparl/system"}, []string{"refused"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			entries, err := newOParl(t, c.cfg).List(context.Background())
			if err == nil || entries != nil {
				t.Fatalf("List = %d entries, %v; want an error and no entries", len(entries), err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

// TestOParlOpenRefusesPublicAccessURL: a File whose accessUrl points to a
// public host is not downloaded unless the source allows remote hosts.
func TestOParlOpenRefusesPublicAccessURL(t *testing.T) {
	srv := newJSONServer(t, `{"id": "x", "type": "https://schema.oparl.org/1.1/File", "accessUrl": "http://93.184.216.34/f.pdf"}`)
	o := newOParl(t, sources.OParlConfig{URL: srv + "/system"})
	_, err := o.Open(context.Background(), sources.Entry{Key: srv + "/file"})
	if err == nil || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("Open = %v, want an egress refusal", err)
	}
}

func newJSONServer(t *testing.T, body string) string {
	t.Helper()
	srv := httptestServer(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, body)
	}))
	return srv
}

// TestNewOParlRefusesBadConfig: each mistake is named by its field.
func TestNewOParlRefusesBadConfig(t *testing.T) {
	cases := []struct {
		cfg  sources.OParlConfig
		want string
	}{
		{sources.OParlConfig{}, "url: required"},
		{sources.OParlConfig{URL: "file:///etc/passwd"}, "url:"},
		{sources.OParlConfig{URL: "http://h/", Bodies: []string{" "}}, "bodies[0]"},
		{sources.OParlConfig{URL: "http://h/", MaxListPages: -1}, "max_list_pages"},
		{sources.OParlConfig{URL: "http://h/", MaxFiles: -1}, "max_files"},
		{sources.OParlConfig{URL: "http://h/", Timeout: 2 * time.Hour}, "timeout"},
	}
	for _, c := range cases {
		if _, err := sources.NewOParl(c.cfg, nil); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("NewOParl(%+v) = %v, want an error naming %q", c.cfg, err, c.want)
		}
	}
}
