package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/civitas-eu/civitas/internal/store"
)

// TestGoldenRoutesFollowAccessGroups (pen-test of the golden routes): a
// knowledge manager outside a document's access groups does not see, as a
// candidate, an answer resting on it, cannot promote it, and does not see
// a golden question whose gold is that document; a knowledge manager in
// the group can do all three.
func TestGoldenRoutesFollowAccessGroups(t *testing.T) {
	b := setupGolden(t)
	ctx := context.Background()
	const secret = "Meier verdient 9000 Euro im Monat."
	b.ingestFiles(t, []string{"personalamt"}, map[string]string{"gehalt.md": "# Gehalt\n\n" + secret})
	var docID int64
	var source string
	if err := b.store.DB().QueryRow(ctx, `SELECT d.id, d.source_uri FROM documents d JOIN collections c ON c.id = d.collection_id
		WHERE c.name = $1`, b.collection).Scan(&docID, &source); err != nil {
		t.Fatal(err)
	}
	conv, err := b.store.CreateConversation(ctx, "alice", "Was verdient Meier?")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = b.store.DB().Exec(ctx, "DELETE FROM conversations WHERE id = $1", conv.ID) })
	src := fmt.Sprintf(`[{"n":1,"chunk_id":1,"document_id":%d,"document_version":1,"title":"gehalt.md","source_uri":%q,"snippet":%q}]`, docID, source, secret)
	a, err := b.store.RecordAnswer(ctx, store.Answer{ConversationID: conv.ID, User: "alice", Question: "Was verdient Meier?",
		Answer: secret + " [1]", Mode: "answer", Sources: json.RawMessage(src), Citations: json.RawMessage(`[{"n":1}]`)})
	if err != nil {
		t.Fatal(err)
	}
	if resp, body := request(t, "POST", fmt.Sprintf("%s/api/answers/%d/feedback", b.url, a.ID), "alice", []string{"personalamt"},
		map[string]string{"rating": "up"}, nil); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("feedback: %d %s", resp.StatusCode, body)
	}
	outsider := []string{wissen, "bauamt"}
	insider := []string{wissen, "personalamt"}
	get := func(groups []string, path string) string {
		t.Helper()
		resp, body := request(t, "GET", b.url+path, "kim", groups, nil, nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
		}
		return string(body)
	}
	if body := get(outsider, "/api/library/golden/candidates"); strings.Contains(body, "Meier") {
		t.Errorf("an outsider's candidates show the restricted answer: %s", body)
	}
	if body := get(insider, "/api/library/golden/candidates"); !strings.Contains(body, "Meier") {
		t.Errorf("an insider's candidates lack the answer: %s", body)
	}
	promote := fmt.Sprintf("%s/api/library/golden/from-answer/%d", b.url, a.ID)
	if resp, body := request(t, "POST", promote, "kim", outsider, nil, nil); resp.StatusCode != http.StatusNotFound || strings.Contains(string(body), "Meier") {
		t.Fatalf("outsider promotes the restricted answer: %d %s, want 404", resp.StatusCode, body)
	}
	if resp, body := request(t, "POST", promote, "kim", insider, nil, nil); resp.StatusCode != http.StatusCreated {
		t.Fatalf("insider promotes: %d %s, want 201", resp.StatusCode, body)
	}
	list := "/api/library/golden?collection=" + b.collection
	if body := get(outsider, list); strings.Contains(body, "Meier") {
		t.Errorf("an outsider lists the golden question resting on the restricted document: %s", body)
	}
	if body := get(insider, list); !strings.Contains(body, "Meier") {
		t.Errorf("an insider's list lacks the golden question: %s", body)
	}
}

// TestGoldenImportBounded: an import of more questions than one request
// may add is refused whole, naming the limit, before anything is stored.
func TestGoldenImportBounded(t *testing.T) {
	b := setupGolden(t)
	b.ingestFiles(t, nil, map[string]string{"bau.md": "# Bau\n\nDer Bauantrag kostet 100 Euro."})
	var lines strings.Builder
	for i := range 2001 {
		fmt.Fprintf(&lines, `{"id":"q%d","lang":"de","type":"factual","question":"Frage %d","answer":"x","answerable":true,"file":"bau.md","pages":[],"quote":"Bauantrag"}`+"\n", i, i)
	}
	resp, body := request(t, "POST", b.url+"/api/library/golden/import?collection="+b.collection, "kim", []string{wissen},
		strings.NewReader(lines.String()), map[string]string{"Content-Type": "application/x-ndjson"})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "at most 2000") {
		t.Fatalf("import of 2001 questions: %d %s, want 400 naming the limit", resp.StatusCode, body)
	}
	gs, err := b.store.GoldenQuestions(context.Background(), b.collection)
	if err != nil || len(gs) != 0 {
		t.Fatalf("after the refused import: %d golden questions, %v; want none", len(gs), err)
	}
}

// TestGoldenFromAnswerWithoutSourceList: an answer whose sources are not a
// list (a stored JSON null) is no candidate and cannot be promoted (404,
// not a 500 from the access check over its sources).
func TestGoldenFromAnswerWithoutSourceList(t *testing.T) {
	b := setupGolden(t)
	ctx := context.Background()
	conv, err := b.store.CreateConversation(ctx, "alice", "Frage ohne Quellen")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = b.store.DB().Exec(ctx, "DELETE FROM conversations WHERE id = $1", conv.ID) })
	a, err := b.store.RecordAnswer(ctx, store.Answer{ConversationID: conv.ID, User: "alice", Question: "Frage ohne Quellen",
		Answer: "Antwort", Mode: "answer", Sources: json.RawMessage(`null`), Citations: json.RawMessage(`null`)})
	if err != nil {
		t.Fatal(err)
	}
	if resp, body := request(t, "POST", fmt.Sprintf("%s/api/answers/%d/feedback", b.url, a.ID), "alice", nil,
		map[string]string{"rating": "up"}, nil); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("feedback: %d %s", resp.StatusCode, body)
	}
	resp, body := request(t, "POST", fmt.Sprintf("%s/api/library/golden/from-answer/%d", b.url, a.ID), "kim", []string{wissen}, nil, nil)
	if resp.StatusCode >= 500 {
		t.Fatalf("promoting an answer without a source list: %d %s, want a 4xx", resp.StatusCode, body)
	}
}
