package sources_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// oparlServer is a small council information system speaking OParl 1.1,
// written from the specification's object model: a System, its body
// list, two Bodies, a paginated paper list (papers embedding their Files,
// or naming them by URL), a meeting list and the files' downloads.
type oparlServer struct {
	srv   *httptest.Server
	files map[string][]byte // download path → content

	mu      sync.Mutex
	queries []string // raw queries of the paper list requests
}

const oparlNS = "https://schema.oparl.org/1.1/"

func newOParlServer(t *testing.T) *oparlServer {
	t.Helper()
	s := &oparlServer{files: map[string][]byte{}}
	objects := map[string]func(base string) any{}
	file := func(base, id, name, fileName, modified string) map[string]any {
		f := map[string]any{"id": base + "/oparl/file/" + id, "type": oparlNS + "File", "name": name,
			"mimeType": "application/pdf", "accessUrl": base + "/download/" + id, "modified": modified}
		if fileName != "" {
			f["fileName"] = fileName
		}
		return f
	}
	objects["/oparl/system"] = func(b string) any {
		return map[string]any{"id": b + "/oparl/system", "type": oparlNS + "System", "oparlVersion": oparlNS,
			"name": "Ratsinformationssystem Musterstadt", "body": b + "/oparl/bodies"}
	}
	body1 := func(b string) map[string]any {
		return map[string]any{"id": b + "/oparl/body/1", "type": oparlNS + "Body", "name": "Stadt Musterstadt",
			"shortName": "Musterstadt", "paper": b + "/oparl/body/1/papers", "meeting": b + "/oparl/body/1/meetings"}
	}
	objects["/oparl/body/1"] = func(b string) any { return body1(b) }
	objects["/oparl/bodies"] = func(b string) any {
		return map[string]any{"data": []any{body1(b), map[string]any{"id": b + "/oparl/body/2", "type": oparlNS + "Body",
			"name": "Landkreis", "paper": b + "/oparl/body/2/papers"}}, "links": map[string]any{}}
	}
	objects["/oparl/body/1/papers"] = func(b string) any {
		return map[string]any{"data": []any{
			map[string]any{"id": b + "/oparl/paper/1", "type": oparlNS + "Paper", "name": "Antrag: Radweg Hauptstraße",
				"reference": "2026/0815", "date": "2026-03-12", "web": "https://ris.musterstadt.example/vo/1",
				"mainFile":      file(b, "1", "Antrag", "antrag-radweg.pdf", "2026-03-12T09:00:00+01:00"),
				"auxiliaryFile": []any{file(b, "2", "Lageplan", "", "2026-03-12T09:05:00+01:00")}},
			map[string]any{"id": b + "/oparl/paper/2", "type": oparlNS + "Paper", "name": "Beschluss Haushalt",
				"reference": "2026/0001", "date": "2026-01-20",
				"mainFile":      file(b, "3", "Beschluss", "beschluss.pdf", "2026-01-21T10:00:00+01:00"),
				"auxiliaryFile": []any{map[string]any{"id": b + "/oparl/file/4", "type": oparlNS + "File", "name": "ohne Zugriff"}}},
		}, "links": map[string]any{"next": b + "/oparl/body/1/papers?page=2"}}
	}
	objects["/oparl/body/1/papers?page=2"] = func(b string) any {
		return map[string]any{"data": []any{
			map[string]any{"id": b + "/oparl/paper/3", "type": oparlNS + "Paper", "deleted": true,
				"mainFile": file(b, "9", "gelöscht", "weg.pdf", "2026-01-01T00:00:00Z")},
			map[string]any{"id": b + "/oparl/paper/4", "type": oparlNS + "Paper", "name": "Anfrage Spielplätze",
				"reference": "2026/0100", "date": "2026-02-02",
				"auxiliaryFile": []any{b + "/oparl/file/5", b + "/oparl/file/404"}},
		}, "links": map[string]any{}}
	}
	objects["/oparl/file/1"] = func(b string) any { return file(b, "1", "Antrag", "antrag-radweg.pdf", "2026-03-12T09:00:00+01:00") }
	objects["/oparl/file/5"] = func(b string) any { return file(b, "5", "Antwort", "antwort.pdf", "2026-02-10T08:00:00+01:00") }
	objects["/oparl/body/1/meetings"] = func(b string) any {
		return map[string]any{"data": []any{map[string]any{"id": b + "/oparl/meeting/1", "type": oparlNS + "Meeting",
			"name": "Sitzung des Stadtrats", "start": "2026-03-20T17:00:00+01:00",
			"invitation":      file(b, "6", "Einladung", "einladung.pdf", "2026-03-10T08:00:00+01:00"),
			"resultsProtocol": file(b, "7", "Protokoll", "protokoll.pdf", "2026-03-25T08:00:00+01:00"),
			"auxiliaryFile":   []any{file(b, "1", "Antrag", "antrag-radweg.pdf", "2026-03-12T09:00:00+01:00")}}}}
	}
	objects["/oparl/body/2/papers"] = func(b string) any {
		return map[string]any{"data": []any{map[string]any{"id": b + "/oparl/paper/20", "type": oparlNS + "Paper",
			"name": "Kreisumlage", "reference": "K-7", "date": "2026-04-01",
			"mainFile": file(b, "8", "Kreisumlage", "kreisumlage.pdf", "2026-04-01T08:00:00+02:00")}}}
	}
	// Hostile and broken systems, one per path.
	objects["/loop/system"] = func(b string) any {
		return map[string]any{"type": oparlNS + "System", "body": b + "/loop/bodies"}
	}
	objects["/loop/bodies"] = func(b string) any {
		return map[string]any{"data": []any{}, "links": map[string]any{"next": b + "/loop/bodies"}}
	}
	objects["/notoparl"] = func(string) any { return map[string]any{"type": "https://schema.org/Thing"} }
	objects["/badlist/system"] = func(b string) any {
		return map[string]any{"type": oparlNS + "System", "body": b + "/badlist/bodies"}
	}
	for i, text := range []string{"", "Antrag Radweg Hauptstraße", "Lageplan Radweg", "Beschluss Haushalt 2026", "",
		"Antwort Spielplätze", "Einladung Stadtrat", "Protokoll Stadtrat", "Kreisumlage"} {
		if text != "" {
			s.files[fmt.Sprintf("/download/%d", i)] = makePDF(t, text, text+" – Musterstadt.")
		}
	}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.URL.Path
		if r.URL.Path == "/oparl/body/1/papers" {
			s.mu.Lock()
			s.queries = append(s.queries, r.URL.RawQuery)
			s.mu.Unlock()
			if r.URL.Query().Get("page") != "" {
				key += "?page=" + r.URL.Query().Get("page")
			}
		}
		base := "http://" + r.Host
		switch {
		case key == "/badlist/bodies":
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"data": [ {"id": "x", `)
		case key == "/huge/system":
			fmt.Fprintf(w, `{"type": %q, "name": "%s"}`, oparlNS+"System", strings.Repeat("x", 64<<10))
		case key == "/down/system":
			http.Error(w, "maintenance", http.StatusServiceUnavailable)
		case s.files[key] != nil:
			w.Header().Set("Content-Type", "application/pdf")
			w.Write(s.files[key])
		case objects[key] != nil:
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(objects[key](base))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func httptestServer(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}
