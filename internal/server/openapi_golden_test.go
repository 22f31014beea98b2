package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/civitas-eu/civitas/internal/auth"
	"github.com/civitas-eu/civitas/internal/dbtest"
	"github.com/civitas-eu/civitas/internal/modeladmin"
	"github.com/civitas-eu/civitas/internal/server"
	"github.com/civitas-eu/civitas/internal/store"
)

// helpfulAnswer records an answer citing the collection's one document
// and rates it helpful: a candidate golden question.
func helpfulAnswer(t *testing.T, b bundle, question string) int64 {
	t.Helper()
	ctx := context.Background()
	var docID int64
	var source string
	if err := b.store.DB().QueryRow(ctx, `SELECT d.id, d.source_uri FROM documents d JOIN collections c ON c.id = d.collection_id
		WHERE c.name = $1`, b.collection).Scan(&docID, &source); err != nil {
		t.Fatal(err)
	}
	conv, err := b.store.CreateConversation(ctx, "alice", question)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = b.store.DB().Exec(ctx, "DELETE FROM conversations WHERE id = $1", conv.ID) })
	src := fmt.Sprintf(`[{"n":1,"chunk_id":1,"document_id":%d,"document_version":1,"title":"parken.md","source_uri":%q,"snippet":"Der Bewohnerparkausweis kostet 30 Euro"}]`, docID, source)
	a, err := b.store.RecordAnswer(ctx, store.Answer{ConversationID: conv.ID, User: "alice", Question: question,
		Answer: "Er kostet 30 Euro [1].", Mode: "answer", Sources: json.RawMessage(src), Citations: json.RawMessage(`[{"n":1}]`)})
	if err != nil {
		t.Fatal(err)
	}
	if resp, body := request(t, "POST", fmt.Sprintf("%s/api/answers/%d/feedback", b.url, a.ID), "alice", nil, map[string]string{"rating": "up"}, nil); resp.StatusCode != 204 {
		t.Fatalf("feedback: %d %s", resp.StatusCode, body)
	}
	return a.ID
}

// TestOpenAPIGoldenResponsesMatchSchemas sends the golden-question routes
// real requests, successful and refused, and validates each reply (status
// as wanted, body against the document's schema for that status).
func TestOpenAPIGoldenResponsesMatchSchemas(t *testing.T) {
	b := setupGolden(t)
	rs := newResponseSchemas(t)
	b.ingestFiles(t, nil, map[string]string{"parken.md": "# Parken\n\nDer Bewohnerparkausweis kostet 30 Euro im Jahr."})
	helpful := helpfulAnswer(t, b, "Was kostet der Bewohnerparkausweis?")
	km := []string{wissen}
	col := b.collection
	add := map[string]any{"collection": col, "question": "Wo gilt der Ausweis?", "file": "parken.md", "pages": []int{1}, "quote": "Bezirk"}
	qa := `{"id":"oa-1","question":"Was kostet er?","answerable":true,"file":"parken.md","quote":"30 Euro"}` + "\n" +
		`{"id":"oa-2","question":"Wer bin ich?","answerable":false}` + "\n"

	for _, tc := range []struct {
		method, url, path string
		groups            []string
		body              any
		want              int
	}{
		{"GET", "/api/library/golden", "/api/library/golden", km, nil, 200},
		{"GET", "/api/library/golden?collection=" + col, "/api/library/golden", km, nil, 200},
		{"GET", "/api/library/golden", "/api/library/golden", []string{"staff"}, nil, 403},
		{"POST", "/api/library/golden", "/api/library/golden", km, add, 201},
		{"POST", "/api/library/golden", "/api/library/golden", km, add, 200},
		{"POST", "/api/library/golden", "/api/library/golden", km, map[string]any{"collection": col, "question": "Wer?"}, 400},
		{"POST", "/api/library/golden", "/api/library/golden", km, `[1]`, 400},
		{"POST", "/api/library/golden", "/api/library/golden", km,
			map[string]any{"collection": "no-such-collection-oa", "question": "Wer?", "file": "a.md", "quote": "x"}, 404},
		{"POST", "/api/library/golden/import?collection=" + col, "/api/library/golden/import", km, qa, 200},
		{"POST", "/api/library/golden/import?collection=" + col, "/api/library/golden/import", km, "not json\n", 400},
		{"POST", "/api/library/golden/import", "/api/library/golden/import", km, qa, 400},
		{"POST", "/api/library/golden/import?collection=no-such-collection-oa", "/api/library/golden/import", km, qa, 404},
		{"GET", "/api/library/golden/candidates", "/api/library/golden/candidates", km, nil, 200},
		{"POST", fmt.Sprintf("/api/library/golden/from-answer/%d", helpful), "/api/library/golden/from-answer/{id}", km, nil, 201},
		{"POST", "/api/library/golden/from-answer/999999999", "/api/library/golden/from-answer/{id}", km, nil, 404},
		{"POST", "/api/library/golden/from-answer/x", "/api/library/golden/from-answer/{id}", km, nil, 400},
		{"DELETE", "/api/library/golden/999999999", "/api/library/golden/{id}", km, nil, 404},
		{"DELETE", "/api/library/golden/0", "/api/library/golden/{id}", km, nil, 400},
	} {
		resp, raw := request(t, tc.method, b.url+tc.url, "kim", tc.groups, tc.body, nil)
		if resp.StatusCode != tc.want {
			t.Errorf("%s %s: %d %s, want %d", tc.method, tc.url, resp.StatusCode, raw, tc.want)
		}
		rs.check(t, tc.method, tc.path, resp, raw)
	}
	if resp, raw := request(t, "GET", b.url+"/api/library/golden", "", nil, nil, nil); resp.StatusCode != 401 {
		t.Errorf("without a caller: %d %s, want 401", resp.StatusCode, raw)
	} else {
		rs.check(t, "GET", "/api/library/golden", resp, raw)
	}

	// The 204 of a delete has no body; the document says so.
	gs, err := b.store.GoldenQuestions(context.Background(), col)
	if err != nil || len(gs) == 0 {
		t.Fatalf("golden questions of %s: %v %v", col, gs, err)
	}
	if resp, raw := request(t, "DELETE", fmt.Sprintf("%s/api/library/golden/%d", b.url, gs[0].ID), "kim", km, nil, nil); resp.StatusCode != 204 || len(raw) != 0 {
		t.Errorf("delete: %d %s", resp.StatusCode, raw)
	}
	op := rs.doc["paths"].(map[string]any)["/api/library/golden/{id}"].(map[string]any)["delete"].(map[string]any)
	if r, ok := op["responses"].(map[string]any)["204"].(map[string]any); !ok || r["content"] != nil {
		t.Errorf("DELETE /api/library/golden/{id}: 204 should be documented without content: %v", op["responses"])
	}
}

// TestGoldenPageOutOfRangeIsBadRequest: a page number beyond what the
// database stores (int4) is the client's error, a 400 naming "pages",
// not a 500 from the insert; the same in an imported QA file.
func TestGoldenPageOutOfRangeIsBadRequest(t *testing.T) {
	b := setupGolden(t)
	if _, err := b.store.EnsureCollection(context.Background(), b.collection); err != nil {
		t.Fatal(err)
	}
	km := []string{wissen}
	for _, tc := range []struct {
		name, url string
		body      any
	}{
		{"add", "/api/library/golden", map[string]any{"collection": b.collection, "question": "Wer?", "file": "a.md", "pages": []int64{3000000000}}},
		{"import", "/api/library/golden/import?collection=" + b.collection,
			`{"id":"big-1","question":"Wer?","answerable":true,"file":"a.md","pages":[2147483648]}`},
	} {
		resp, raw := request(t, "POST", b.url+tc.url, "kim", km, tc.body, nil)
		if resp.StatusCode != 400 || !strings.Contains(string(raw), `\"pages\"`) {
			t.Errorf("%s: %d %s, want 400 naming \"pages\"", tc.name, resp.StatusCode, raw)
		}
	}
}

// TestOpenAPIAdminGoldenResponsesMatchSchemas: the admin's embed
// confirmation and chat-model check reply as the document says.
func TestOpenAPIAdminGoldenResponsesMatchSchemas(t *testing.T) {
	rs := newResponseSchemas(t)
	b := setupAdmin(t)
	for _, tc := range []struct {
		groups []string
		body   any
		want   int
	}{
		{admin, map[string]string{"name": "no-such-model:1b"}, 400},
		{admin, map[string]string{"model": "x"}, 400},
		{[]string{"staff"}, map[string]string{"name": "no-such-model:1b"}, 403},
	} {
		resp, raw := request(t, "POST", b.url+"/api/admin/models/embed/confirm", "root", tc.groups, tc.body, nil)
		if resp.StatusCode != tc.want {
			t.Errorf("confirm %v as %v: %d %s, want %d", tc.body, tc.groups, resp.StatusCode, raw, tc.want)
		}
		rs.check(t, "POST", "/api/admin/models/embed/confirm", resp, raw)
	}

	pool := dbtest.Migrated(t)
	st, err := store.New(pool)
	if err != nil {
		t.Fatal(err)
	}
	check := func(_ context.Context, model string) (modeladmin.ChatCheckReport, error) {
		return modeladmin.ChatCheckReport{Model: model, Checks: []modeladmin.ChatCheckResult{
			{Check: modeladmin.CheckCitationsExist, Passed: 3, Failed: 2}, {Check: modeladmin.CheckRefusesNoSources, Passed: 5}}}, nil
	}
	serve := func(c func(context.Context, string) (modeladmin.ChatCheckReport, error)) string {
		srv := server.New(server.Config{Auth: orProxyHeaders(auth.Config{})}, slog.New(slog.DiscardHandler),
			server.Deps{DB: pool, Store: st, ChatCheck: c})
		ts := httptest.NewServer(srv.Handler())
		t.Cleanup(ts.Close)
		return ts.URL + "/api/admin/models/chat/check"
	}
	u := serve(check)
	for _, tc := range []struct {
		url    string
		groups []string
		body   any
		want   int
	}{
		{u, admin, map[string]string{"name": "candidate:1b"}, 200},
		{u, admin, map[string]string{"name": " "}, 400},
		{u, []string{"staff"}, map[string]string{"name": "candidate:1b"}, 403},
		{serve(nil), admin, map[string]string{"name": "candidate:1b"}, 503},
	} {
		resp, raw := request(t, "POST", tc.url, "root", tc.groups, tc.body, nil)
		if resp.StatusCode != tc.want {
			t.Errorf("check %v as %v: %d %s, want %d", tc.body, tc.groups, resp.StatusCode, raw, tc.want)
		}
		rs.check(t, "POST", "/api/admin/models/chat/check", resp, raw)
	}
}

// TestGoldenUnstorableTextIsBadRequest: text the database cannot store (a
// NUL byte, invalid UTF-8 in the query string) is a 400 naming the field,
// on every golden route that stores or looks up text. Found by
// schemathesis: over PGlite's simple protocol it was a 503 (an "outage").
func TestGoldenUnstorableTextIsBadRequest(t *testing.T) {
	b := setupGolden(t)
	if _, err := b.store.EnsureCollection(context.Background(), b.collection); err != nil {
		t.Fatal(err)
	}
	km := []string{wissen}
	rs := newResponseSchemas(t)
	for _, tc := range []struct {
		name, method, url, path string
		body                    any
		field                   string
	}{
		{"NUL in the question", "POST", "/api/library/golden", "/api/library/golden",
			map[string]any{"collection": b.collection, "question": "Wer\x00?", "file": "a.md", "quote": "x"}, "question"},
		{"NUL in the collection", "POST", "/api/library/golden", "/api/library/golden",
			map[string]any{"collection": "E\x00", "question": "Wer?", "file": "a.md", "quote": "x"}, "collection"},
		{"NUL in the language", "POST", "/api/library/golden", "/api/library/golden",
			map[string]any{"collection": b.collection, "question": "Wer?", "file": "a.md", "quote": "x", "language": "d\x00e"}, "language"},
		{"NUL in the listed collection", "GET", "/api/library/golden?collection=a%00b", "/api/library/golden", nil, "collection"},
		{"invalid UTF-8 in the listed collection", "GET", "/api/library/golden?collection=%ff", "/api/library/golden", nil, "collection"},
		{"invalid UTF-8 in the import's collection", "POST", "/api/library/golden/import?collection=%ff", "/api/library/golden/import",
			`{"id":"u-1","question":"Wer?","answerable":true,"file":"a.md","quote":"x"}`, "collection"},
		{"NUL in an imported question", "POST", "/api/library/golden/import?collection=" + b.collection, "/api/library/golden/import",
			`{"id":"u-2","question":"Wer\u0000?","answerable":true,"file":"a.md","quote":"x"}`, "question"},
	} {
		resp, raw := request(t, tc.method, b.url+tc.url, "kim", km, tc.body, nil)
		if resp.StatusCode != 400 || !strings.Contains(string(raw), `\"`+tc.field+`\"`) {
			t.Errorf("%s: %d %s, want 400 naming %q", tc.name, resp.StatusCode, raw, tc.field)
		}
		rs.check(t, tc.method, tc.path, resp, raw)
	}
}
