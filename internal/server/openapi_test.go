package server_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/civitas-eu/civitas/internal/server"
)

// openAPIDoc is the served contract, parsed.
func openAPIDoc(t *testing.T) map[string]any {
	t.Helper()
	raw, err := server.OpenAPI()
	if err != nil {
		t.Fatalf("openapi.yaml does not convert to JSON: %v", err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// TestOpenAPIDocumentsEveryRoute: every /api and /v1 route of the route
// table has its path and method in openapi.yaml, and the document names
// no route the table lacks.
func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	srv := server.New(server.Config{}, slog.New(slog.NewTextHandler(io.Discard, nil)), server.Deps{})
	var routes []string
	for _, p := range srv.Routes() {
		method, path, _ := strings.Cut(p, " ")
		if strings.HasPrefix(path, "/api/") || path == "/api" || strings.HasPrefix(path, "/v1/") {
			routes = append(routes, method+" "+path)
		}
	}
	var documented []string
	for path, item := range openAPIDoc(t)["paths"].(map[string]any) {
		for method := range item.(map[string]any) {
			if slices.Contains([]string{"get", "put", "post", "delete", "patch", "head", "options"}, method) {
				documented = append(documented, strings.ToUpper(method)+" "+path)
			}
		}
	}
	for _, r := range routes {
		if !slices.Contains(documented, r) {
			method, path, _ := strings.Cut(r, " ")
			t.Errorf("route %q is in the route table (server.go) but not in internal/server/openapi.yaml: document paths.%q.%s (request body, parameters, responses)",
				r, path, strings.ToLower(method))
		}
	}
	for _, d := range documented {
		if !slices.Contains(routes, d) {
			t.Errorf("internal/server/openapi.yaml documents %q, which the route table (server.go) does not serve", d)
		}
	}
	if len(routes) < 30 {
		t.Errorf("only %d /api and /v1 routes found: %v", len(routes), routes)
	}
}

// responseSchemas compiles the schemas of the document's responses.
type responseSchemas struct {
	c   *jsonschema.Compiler
	doc map[string]any
}

func newResponseSchemas(t *testing.T) responseSchemas {
	t.Helper()
	raw, err := server.OpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("openapi.json", doc); err != nil {
		t.Fatal(err)
	}
	return responseSchemas{c: c, doc: openAPIDoc(t)}
}

// check validates a reply to method path (the document's path template)
// against the schema of its status, or of the default response.
func (rs responseSchemas) check(t *testing.T, method, path string, resp *http.Response, body []byte) {
	t.Helper()
	esc := strings.NewReplacer("~", "~0", "/", "~1").Replace
	status := strconv.Itoa(resp.StatusCode)
	var sch *jsonschema.Schema
	op, _ := rs.doc["paths"].(map[string]any)[path].(map[string]any)[strings.ToLower(method)].(map[string]any)
	responses, _ := op["responses"].(map[string]any)
	for _, code := range []string{status, "default"} {
		r, ok := responses[code].(map[string]any)
		if !ok {
			continue
		}
		ptr := "openapi.json#/paths/" + esc(path) + "/" + strings.ToLower(method) + "/responses/" + code
		if ref, ok := r["$ref"].(string); ok { // a shared response (components)
			ptr = "openapi.json" + ref
		}
		s, err := rs.c.Compile(ptr + "/content/application~1json/schema")
		if err != nil {
			t.Errorf("%s %s: %v", method, path, err)
			return
		}
		sch = s
		break
	}
	if sch == nil {
		t.Errorf("%s %s: status %d has no JSON schema in the document", method, path, resp.StatusCode)
		return
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		t.Errorf("%s %s: reply is not JSON: %v\n%s", method, path, err, body)
		return
	}
	if err := sch.Validate(v); err != nil {
		t.Errorf("%s %s (%d) does not match the document: %v\n%s", method, path, resp.StatusCode, err, body)
	}
}

// TestOpenAPIResponsesMatchSchemas sends real requests, successful and
// refused, and validates each reply against the document, which the
// assistant serves at /api/openapi.json.
func TestOpenAPIResponsesMatchSchemas(t *testing.T) {
	b := setup(t, setupOpts{answerer: &scriptedAnswerer{AnswerFunc: citingAnswer}})
	rs := newResponseSchemas(t)
	admin := []string{"admin", "auditor", "knowledge-managers"}

	resp, raw := request(t, "GET", b.url+"/api/openapi.json", "", nil, nil, nil)
	if resp.StatusCode != http.StatusOK || !json.Valid(raw) || !bytes.Contains(raw, []byte(`"openapi":"3.1.0"`)) {
		t.Fatalf("GET /api/openapi.json = %d %.200s", resp.StatusCode, raw)
	}
	for _, tc := range []struct {
		method, url, path string
		groups            []string
		body              any
	}{
		{"GET", "/api/me", "/api/me", nil, nil},
		{"GET", "/api/status", "/api/status", nil, nil},
		{"GET", "/api/about", "/api/about", nil, nil},
		{"GET", "/api/conversations", "/api/conversations", nil, nil},
		{"GET", "/api/conversations/999999999", "/api/conversations/{id}", nil, nil},
		{"GET", "/api/documents/abc", "/api/documents/{id}", nil, nil},
		{"POST", "/api/chat", "/api/chat", nil, `{"question":""}`},
		{"POST", "/api/answers/1/feedback", "/api/answers/{id}/feedback", nil, `{"rating":"sideways"}`},
		{"GET", "/api/admin/apikeys", "/api/admin/apikeys", admin, nil},
		{"GET", "/api/admin/apikeys", "/api/admin/apikeys", nil, nil},
		{"GET", "/api/admin/readiness", "/api/admin/readiness", admin, nil},
		{"GET", "/api/audit?limit=2", "/api/audit", admin, nil},
		{"GET", "/api/audit?limit=0", "/api/audit", admin, nil},
		{"GET", "/api/audit/verify", "/api/audit/verify", admin, nil},
		{"GET", "/api/library", "/api/library", admin, nil},
		{"GET", "/v1/models", "/v1/models", nil, nil},
		{"POST", "/v1/chat/completions", "/v1/chat/completions", nil,
			`{"model":"civitas","messages":[{"role":"user","content":"Was kostet der Bewohnerparkausweis?"}]}`},
		{"POST", "/v1/chat/completions", "/v1/chat/completions", nil, `{"messages":[]}`},
	} {
		resp, raw := request(t, tc.method, b.url+tc.url, "kim", tc.groups, tc.body, nil)
		rs.check(t, tc.method, tc.path, resp, raw)
	}
}
