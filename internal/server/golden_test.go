package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/civitas-eu/civitas/internal/auth"
	"github.com/civitas-eu/civitas/internal/dbtest"
	"github.com/civitas-eu/civitas/internal/modeladmin"
	"github.com/civitas-eu/civitas/internal/server"
	"github.com/civitas-eu/civitas/internal/sharedtest"
	"github.com/civitas-eu/civitas/internal/store"
)

// wissen is the knowledge-manager group as a city configured it: the
// golden routes follow the configured name, not the default.
const wissen = "wissensmanagement"

func setupGolden(t *testing.T) bundle {
	t.Helper()
	return setup(t, setupOpts{auth: auth.Config{ProxyHeaders: true, UserHeader: "X-Forwarded-User",
		GroupsHeader: "X-Forwarded-Groups", TrustedProxies: loopbackProxies, Roles: auth.Roles{KnowledgeManager: wissen}}})
}

// TestGoldenRoutesOnlyForKnowledgeManagers: every golden-question route
// answers a member of the configured knowledge-manager group, and refuses
// (403) a plain user and a member of the default group name that this
// city does not use.
func TestGoldenRoutesOnlyForKnowledgeManagers(t *testing.T) {
	b := setupGolden(t)
	if _, err := b.store.EnsureCollection(context.Background(), b.collection); err != nil {
		t.Fatal(err)
	}
	routes := []struct {
		method, path string
		body         any
		kmStatus     int
	}{
		{"GET", "/api/library/golden", nil, 200},
		{"POST", "/api/library/golden", map[string]any{"collection": b.collection, "question": "Wer?", "file": "a.md", "quote": "x"}, 201},
		{"POST", "/api/library/golden/import?collection=" + b.collection, `{"id":"x-1","question":"Was?","answerable":true,"file":"a.md","quote":"y"}`, 200},
		{"GET", "/api/library/golden/candidates", nil, 200},
		{"POST", "/api/library/golden/from-answer/999999999", nil, 404},
		{"DELETE", "/api/library/golden/999999999", nil, 404},
	}
	for _, rt := range routes {
		for _, who := range []struct {
			name   string
			groups []string
			want   int
		}{
			{"plain user", []string{"staff"}, 403},
			{"default group name, not configured", []string{auth.GroupKnowledgeManager}, 403},
			{"admin", []string{auth.GroupAdmin}, 403},
			{"knowledge manager", []string{"staff", wissen}, rt.kmStatus},
		} {
			resp, body := request(t, rt.method, b.url+rt.path, "kim", who.groups, rt.body, nil)
			if resp.StatusCode != who.want {
				t.Errorf("%s %s as %s: %d %s, want %d", rt.method, rt.path, who.name, resp.StatusCode, body, who.want)
			}
		}
		if resp, _ := request(t, rt.method, b.url+rt.path, "", nil, rt.body, nil); resp.StatusCode != 401 {
			t.Errorf("%s %s without a caller: %d, want 401", rt.method, rt.path, resp.StatusCode)
		}
	}
}

// TestGoldenImportListDelete imports the shared QA set into a collection:
// its answerable questions become golden questions, the unanswerable are
// skipped, a second import keeps what is there; bad input is a 400 naming
// the field; a question can be deleted once.
func TestGoldenImportListDelete(t *testing.T) {
	b := setupGolden(t)
	ctx := context.Background()
	if _, err := b.store.EnsureCollection(ctx, b.collection); err != nil {
		t.Fatal(err)
	}
	qa, err := os.ReadFile(filepath.Join(sharedtest.DataDir(t), "qa", "qa.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	km := []string{wissen}
	imp := b.url + "/api/library/golden/import?collection=" + b.collection
	for i, want := range []map[string]int{{"added": 34, "kept": 0, "skipped_unanswerable": 6}, {"added": 0, "kept": 34, "skipped_unanswerable": 6}} {
		resp, body := request(t, "POST", imp, "kim", km, strings.NewReader(string(qa)), nil)
		var got map[string]int
		if err := json.Unmarshal(body, &got); err != nil || resp.StatusCode != 200 || !maps.Equal(got, want) {
			t.Fatalf("import %d: %d %s, want %v", i+1, resp.StatusCode, body, want)
		}
	}
	resp, body := request(t, "GET", b.url+"/api/library/golden?collection="+b.collection, "kim", km, nil, nil)
	var list struct {
		Questions []store.GoldenQuestion `json:"questions"`
	}
	if err := json.Unmarshal(body, &list); err != nil || resp.StatusCode != 200 || len(list.Questions) != 34 {
		t.Fatalf("list: %d, %d questions (%v)", resp.StatusCode, len(list.Questions), err)
	}
	if g := list.Questions[0]; g.Origin != store.GoldenImported || g.File == "" || g.Collection != b.collection {
		t.Errorf("first imported question %+v", g)
	}

	bad := []struct {
		name, path string
		body       any
		field      string
	}{
		{"no file", "/api/library/golden", map[string]any{"collection": b.collection, "question": "Wer?", "quote": "x"}, `\"file\"`},
		{"no question", "/api/library/golden", map[string]any{"collection": b.collection, "file": "a.md", "quote": "x"}, `\"question\"`},
		{"no gold", "/api/library/golden", map[string]any{"collection": b.collection, "question": "Wer?", "file": "a.md"}, `\"pages\"`},
		{"page 0", "/api/library/golden", map[string]any{"collection": b.collection, "question": "Wer?", "file": "a.md", "pages": []int{0}}, `\"pages\"`},
		{"unknown field", "/api/library/golden", map[string]any{"collection": b.collection, "questoin": "Wer?"}, "questoin"},
		{"import without collection", "/api/library/golden/import", `{"id":"a","question":"b"}`, `\"collection\"`},
		{"import not JSON Lines", "/api/library/golden/import?collection=" + b.collection, "question,file\n", "line 1"},
	}
	for _, tt := range bad {
		resp, body := request(t, "POST", b.url+tt.path, "kim", km, tt.body, nil)
		if resp.StatusCode != 400 || !strings.Contains(string(body), tt.field) {
			t.Errorf("%s: %d %s, want 400 naming %s", tt.name, resp.StatusCode, body, tt.field)
		}
	}
	if resp, body := request(t, "POST", b.url+"/api/library/golden", "kim", km,
		map[string]any{"collection": "no-such-collection-x", "question": "Wer?", "file": "a.md", "quote": "x"}, nil); resp.StatusCode != 404 {
		t.Errorf("unknown collection: %d %s, want 404", resp.StatusCode, body)
	}

	del := fmt.Sprintf("%s/api/library/golden/%d", b.url, list.Questions[0].ID)
	if resp, body := request(t, "DELETE", del, "kim", km, nil, nil); resp.StatusCode != 204 {
		t.Errorf("delete: %d %s", resp.StatusCode, body)
	}
	if resp, _ := request(t, "DELETE", del, "kim", km, nil, nil); resp.StatusCode != 404 {
		t.Errorf("delete again: %d, want 404", resp.StatusCode)
	}
}

// TestHelpfulAnswerPromotedToGoldenInOneClick: a user rates an answer
// helpful; it shows among the knowledge managers' candidates (without
// who asked) and one POST makes it a golden question of the cited
// document's collection, with that document as the gold; it then leaves
// the candidates. An answer rated unhelpful is no candidate.
func TestHelpfulAnswerPromotedToGoldenInOneClick(t *testing.T) {
	b := setupGolden(t)
	ctx := context.Background()
	b.ingestFiles(t, nil, map[string]string{"parken.md": "# Parken\n\nDer Bewohnerparkausweis kostet 30 Euro im Jahr und gilt im ganzen Bezirk."})
	var docID int64
	var source string
	if err := b.store.DB().QueryRow(ctx, `SELECT d.id, d.source_uri FROM documents d JOIN collections c ON c.id = d.collection_id
		WHERE c.name = $1`, b.collection).Scan(&docID, &source); err != nil {
		t.Fatal(err)
	}
	answer := func(user, question string) int64 {
		conv, err := b.store.CreateConversation(ctx, user, question)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _, _ = b.store.DB().Exec(ctx, "DELETE FROM conversations WHERE id = $1", conv.ID) })
		src := fmt.Sprintf(`[{"n":1,"chunk_id":1,"document_id":%d,"document_version":1,"title":"parken.md","source_uri":%q,"snippet":"Der Bewohnerparkausweis kostet 30 Euro im Jahr"}]`, docID, source)
		a, err := b.store.RecordAnswer(ctx, store.Answer{ConversationID: conv.ID, User: user, Question: question,
			Answer: "Er kostet 30 Euro [1].", Mode: "answer", Sources: json.RawMessage(src), Citations: json.RawMessage(`[{"n":1}]`)})
		if err != nil {
			t.Fatal(err)
		}
		return a.ID
	}
	helpful := answer("alice", "Was kostet der Bewohnerparkausweis?")
	unhelpful := answer("alice", "Wie lange gilt er?")
	for id, rating := range map[int64]string{helpful: "up", unhelpful: "down"} {
		if resp, body := request(t, "POST", fmt.Sprintf("%s/api/answers/%d/feedback", b.url, id), "alice", nil, map[string]string{"rating": rating}, nil); resp.StatusCode != 204 {
			t.Fatalf("feedback: %d %s", resp.StatusCode, body)
		}
	}
	km := []string{wissen}
	candidates := func() map[int64]store.HelpfulAnswer {
		_, body := request(t, "GET", b.url+"/api/library/golden/candidates", "kim", km, nil, nil)
		if strings.Contains(string(body), "alice") {
			t.Errorf("candidates name who asked: %s", body)
		}
		var c struct {
			Answers []store.HelpfulAnswer `json:"answers"`
		}
		if err := json.Unmarshal(body, &c); err != nil {
			t.Fatal(err)
		}
		out := map[int64]store.HelpfulAnswer{}
		for _, a := range c.Answers {
			out[a.ID] = a
		}
		return out
	}
	got := candidates()
	if _, ok := got[helpful]; !ok {
		t.Fatalf("the helpful answer %d is not a candidate: %v", helpful, got)
	}
	if _, ok := got[unhelpful]; ok {
		t.Errorf("the unhelpful answer %d is a candidate", unhelpful)
	}

	resp, body := request(t, "POST", fmt.Sprintf("%s/api/library/golden/from-answer/%d", b.url, helpful), "kim", km, nil, nil)
	var res struct {
		Question store.GoldenQuestion `json:"question"`
		Added    bool                 `json:"added"`
	}
	if err := json.Unmarshal(body, &res); err != nil || resp.StatusCode != 201 || !res.Added {
		t.Fatalf("promote: %d %s", resp.StatusCode, body)
	}
	g := res.Question
	if g.Collection != b.collection || g.Question != "Was kostet der Bewohnerparkausweis?" || g.File != source ||
		g.Origin != store.GoldenAnswer || g.Quote == "" || g.AnswerID == nil || *g.AnswerID != helpful {
		t.Errorf("golden question %+v", g)
	}
	if _, ok := candidates()[helpful]; ok {
		t.Error("a promoted answer is still a candidate")
	}
	if resp, _ := request(t, "POST", fmt.Sprintf("%s/api/library/golden/from-answer/%d", b.url, unhelpful), "kim", km, nil, nil); resp.StatusCode != 404 {
		t.Errorf("promoting an unhelpful answer: %d, want 404", resp.StatusCode)
	}
}

// TestEmbedConfirmRefusesUninstalledModel: the admin's confirmation of a
// held switch checks the model like a switch does, and queues nothing for
// a model that is not installed.
func TestEmbedConfirmRefusesUninstalledModel(t *testing.T) {
	b := setupAdmin(t)
	resp, body := request(t, "POST", b.url+"/api/admin/models/embed/confirm", "root", admin, map[string]string{"name": "no-such-model:1b"}, nil)
	if resp.StatusCode/100 != 4 || !strings.Contains(string(body), "not installed") {
		t.Errorf("confirm an uninstalled model: %d %s, want a 4xx saying it is not installed", resp.StatusCode, body)
	}
}

// TestChatCheckRouteForAdminsOnly: the chat-model check is an admin
// route; it reports the checker's pass/fail counts, names a missing
// field, and answers 503 when the server has no checker.
func TestChatCheckRouteForAdminsOnly(t *testing.T) {
	pool := dbtest.Migrated(t)
	st, err := store.New(pool)
	if err != nil {
		t.Fatal(err)
	}
	var asked []string
	check := func(_ context.Context, model string) (modeladmin.ChatCheckReport, error) {
		asked = append(asked, model)
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
	body := map[string]string{"name": "candidate:1b"}
	for _, groups := range [][]string{nil, {"staff", auth.GroupKnowledgeManager, auth.GroupAuditor}} {
		if resp, b := request(t, "POST", u, "m.muster", groups, body, nil); resp.StatusCode != 403 {
			t.Errorf("as %v: %d %s, want 403", groups, resp.StatusCode, b)
		}
	}
	if len(asked) != 0 {
		t.Fatalf("a refused caller ran the checks: %v", asked)
	}
	resp, b := request(t, "POST", u, "root", []string{auth.GroupAdmin}, body, nil)
	var rep modeladmin.ChatCheckReport
	if err := json.Unmarshal(b, &rep); err != nil || resp.StatusCode != 200 || rep.Model != "candidate:1b" || len(rep.Checks) != 2 || rep.Checks[0].Failed != 2 {
		t.Errorf("as admin: %d %s", resp.StatusCode, b)
	}
	if resp, b := request(t, "POST", u, "root", []string{auth.GroupAdmin}, map[string]string{}, nil); resp.StatusCode != 400 || !strings.Contains(string(b), `\"name\"`) {
		t.Errorf("without a name: %d %s, want 400 naming it", resp.StatusCode, b)
	}
	if resp, _ := request(t, "POST", serve(nil), "root", []string{auth.GroupAdmin}, body, nil); resp.StatusCode != 503 {
		t.Errorf("without a checker: %d, want 503", resp.StatusCode)
	}
}
