package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/civitas-eu/civitas/internal/audit"
	"github.com/civitas-eu/civitas/internal/dbtest"
	"github.com/civitas-eu/civitas/internal/store"
)

// seedConversation records a conversation of owner with one answer citing
// a source, straight in the store.
func seedConversation(t *testing.T, b bundle, owner, title, question, answerText string) store.Conversation {
	t.Helper()
	ctx := context.Background()
	c, err := b.store.CreateConversation(ctx, owner, title)
	if err != nil {
		t.Fatal(err)
	}
	src := `[{"n":1,"document_id":-1,"title":"Gebührenordnung","source_uri":"file:///geb.pdf","page_start":3}]`
	if _, err := b.store.RecordAnswer(ctx, store.Answer{ConversationID: c.ID, User: owner, Question: question,
		Answer: answerText, Mode: "answer", Language: "de", Sources: json.RawMessage(src), Citations: json.RawMessage(`[]`),
		ChatModel: b.chatModel, EmbedModel: b.embedModel, PromptVersion: "test"}); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestConversationManagementOnlyByOwner: rename, delete, export and search
// of a conversation work for its owner and find nothing for anybody else
// (404, as if it did not exist), who changes nothing.
func TestConversationManagementOnlyByOwner(t *testing.T) {
	b := setup(t, setupOpts{})
	c := seedConversation(t, b, "sam", "Gebühren", "Was kostet ein Parkausweis?", "Er kostet **30 Euro** [1].")
	u := fmt.Sprintf("%s/api/conversations/%d", b.url, c.ID)
	for _, tt := range []struct {
		name, method, url string
		body              any
	}{
		{"rename", "PATCH", u, map[string]string{"title": "Gekapert"}},
		{"export markdown", "GET", u + "/export", nil},
		{"export json", "GET", u + "/export?format=json", nil},
		{"delete", "DELETE", u, nil},
	} {
		if resp, raw := request(t, tt.method, tt.url, "eve", nil, tt.body, nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s by another user: %d %s, want 404", tt.name, resp.StatusCode, raw)
		}
	}
	for _, who := range []string{"eve", "sam"} {
		resp, raw := request(t, "GET", b.url+"/api/conversations/export?format=json", who, nil, nil, nil)
		if resp.StatusCode != http.StatusOK || strings.Contains(string(raw), "Parkausweis") != (who == "sam") {
			t.Errorf("export all by %s: %d %s", who, resp.StatusCode, raw)
		}
		resp, raw = request(t, "GET", b.url+"/api/conversations?q=parkausweis", who, nil, nil, nil)
		if resp.StatusCode != http.StatusOK || strings.Contains(string(raw), `"Gebühren"`) != (who == "sam") {
			t.Errorf("search by %s: %d %s", who, resp.StatusCode, raw)
		}
	}
	// Nothing changed by eve's attempts.
	if resp, raw := request(t, "GET", u, "sam", nil, nil, nil); resp.StatusCode != http.StatusOK || !strings.Contains(string(raw), `"Gebühren"`) {
		t.Fatalf("after another user's attempts: %d %s", resp.StatusCode, raw)
	}

	resp, raw := request(t, "PATCH", u, "sam", nil, map[string]string{"title": "  Parkausweis  "}, nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(raw), `"title": "Parkausweis"`) {
		t.Errorf("rename by owner: %d %s", resp.StatusCode, raw)
	}
	resp, raw = request(t, "GET", u+"/export", "sam", nil, nil, nil)
	md := string(raw)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/markdown") ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("export by owner: %d %v", resp.StatusCode, resp.Header)
	}
	for _, want := range []string{"# Parkausweis", "## Was kostet ein Parkausweis?", "Er kostet **30 Euro** [1].", "Sources:", "- [1]"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown export lacks %q:\n%s", want, md)
		}
	}
}

// TestDeletedConversationIsGoneAndAudited: the owner's DELETE removes the
// conversation and its answers from the database, appends a
// conversation.deleted event naming no text, and the conversation is 404
// afterwards.
func TestDeletedConversationIsGoneAndAudited(t *testing.T) {
	b := setup(t, setupOpts{})
	c := seedConversation(t, b, "sam", "Zu löschen", "Geheime Frage?", "Antwort.")
	u := fmt.Sprintf("%s/api/conversations/%d", b.url, c.ID)
	pool := dbtest.Migrated(t)
	ctx := context.Background()
	secretInTrail := func() int {
		t.Helper()
		var n int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM audit_personal WHERE data::text LIKE '%Geheime%'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := secretInTrail(); n != 1 {
		t.Fatalf("before the deletion the question is in %d audit rows, want 1 (answer.created)", n)
	}
	if resp, raw := request(t, "DELETE", u, "sam", nil, nil, nil); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("delete by owner: %d %s", resp.StatusCode, raw)
	}
	for _, tt := range []struct{ method, url string }{{"GET", u}, {"DELETE", u}, {"GET", u + "/export"}} {
		if resp, raw := request(t, tt.method, tt.url, "sam", nil, nil, nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s %s after delete: %d %s, want 404", tt.method, tt.url, resp.StatusCode, raw)
		}
	}
	var answers int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM answers WHERE conversation_id = $1`, c.ID).Scan(&answers); err != nil || answers != 0 {
		t.Errorf("answers left after delete: %d (%v)", answers, err)
	}
	var actor, details string
	if err := pool.QueryRow(ctx, `SELECT p.actor, l.details::text FROM audit_log l JOIN audit_personal p ON p.audit_id = l.id
		WHERE l.action = $1 AND l.target = $2`,
		store.ActionConversationDeleted, fmt.Sprintf("conversation:%d", c.ID)).Scan(&actor, &details); err != nil {
		t.Fatalf("no conversation.deleted audit event: %v", err)
	}
	if actor != "sam" || strings.Contains(details, "Geheime") {
		t.Errorf("audit event: actor %q details %s", actor, details)
	}
	// The question's text is gone from the trail too; the chain, which
	// checks what the deletion says it emptied, still verifies.
	if n := secretInTrail(); n != 0 {
		t.Errorf("the deleted question is still in %d audit rows", n)
	}
	if res, err := audit.Verify(ctx, pool); err != nil || !res.OK {
		t.Errorf("audit.Verify after the deletion: %+v, %v", res, err)
	}
}

// TestConversationInputErrorsNameTheField: bad input is a 400 naming the
// field, never a 5xx.
func TestConversationInputErrorsNameTheField(t *testing.T) {
	b := setup(t, setupOpts{})
	c := seedConversation(t, b, "sam", "T", "Q?", "A.")
	u := fmt.Sprintf("%s/api/conversations/%d", b.url, c.ID)
	for _, tt := range []struct {
		name, method, url, body, field string
	}{
		{"empty title", "PATCH", u, `{"title":"  "}`, "title"},
		{"long title", "PATCH", u, `{"title":"` + strings.Repeat("x", 201) + `"}`, "title"},
		{"unknown field", "PATCH", u, `{"name":"x"}`, "title"},
		{"bad format", "GET", u + "/export?format=pdf", "", "format"},
		{"long search", "GET", b.url + "/api/conversations?q=" + strings.Repeat("y", 201), "", "q"},
	} {
		var body any
		if tt.body != "" {
			body = tt.body
		}
		resp, raw := request(t, tt.method, tt.url, "sam", nil, body, nil)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(raw), tt.field) {
			t.Errorf("%s: %d %s, want 400 naming %q", tt.name, resp.StatusCode, raw, tt.field)
		}
	}
}
