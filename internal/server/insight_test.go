package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/civitas-eu/civitas/internal/auth"
	"github.com/civitas-eu/civitas/internal/dbtest"
	"github.com/civitas-eu/civitas/internal/store"
)

// insightWorld is the assistant over one ingested document in its own
// collection, with an answer resting on that document recorded for a
// user of its own (removed with the conversation at the end).
type insightWorld struct {
	bundle
	docID    int64
	answerID int64
	asker    string
}

func setupInsight(t *testing.T, groups []string) insightWorld {
	t.Helper()
	b := setup(t, setupOpts{})
	b.ingestFiles(t, groups, map[string]string{"bewohnerparken.md": parkingDoc})
	w := insightWorld{bundle: b, asker: dbtest.UniqueName("asker-")}
	ctx := context.Background()
	db := b.store.DB()
	if err := db.QueryRow(ctx, `SELECT d.id FROM documents d JOIN collections c ON c.id = d.collection_id
		WHERE c.name = $1 AND d.superseded_by IS NULL`, b.collection).Scan(&w.docID); err != nil {
		t.Fatal(err)
	}
	var conv int64
	if err := db.QueryRow(ctx, "INSERT INTO conversations (user_name) VALUES ($1) RETURNING id", w.asker).Scan(&conv); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = db.Exec(context.Background(), "DELETE FROM conversations WHERE id = $1", conv) })
	src := fmt.Sprintf(`[{"n": 1, "document_id": %d, "title": "Bewohnerparken", "snippet": "Ein Bewohnerparkausweis kostet 90 Euro."}]`, w.docID)
	if err := db.QueryRow(ctx, `INSERT INTO answers (conversation_id, user_name, question, answer, mode, sources, chat_model)
		VALUES ($1, $2, 'Was kostet der Bewohnerparkausweis?', 'Er kostet 60 Euro [1].', 'answer', $3::jsonb, 'chat') RETURNING id`,
		conv, w.asker, src).Scan(&w.answerID); err != nil {
		t.Fatal(err)
	}
	return w
}

func (w insightWorld) rate(t *testing.T, rating string) {
	t.Helper()
	resp, raw := request(t, "POST", w.url+"/api/answers/"+itoa(w.answerID)+"/feedback", w.asker, nil,
		map[string]any{"rating": rating, "comment": "Der Preis stimmt nicht"}, nil)
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("rate: %d %s", resp.StatusCode, raw)
	}
}

type reviewed struct {
	Answers []struct {
		AnswerID int64  `json:"answer_id"`
		Question string `json:"question"`
		User     string `json:"user"`
		Comment  string `json:"comment"`
		Outcome  string `json:"outcome"`
	} `json:"answers"`
}

// TestThumbsDownReviewedAndHandledOverHTTP: a user's thumbs-down shows
// in the knowledge managers' review of the document's collection, with
// the rater as a pseudonym, not by name; handling it is audited and moves
// it to the handled list.
func TestThumbsDownReviewedAndHandledOverHTTP(t *testing.T) {
	w := setupInsight(t, nil)
	w.rate(t, "down")
	km := []string{auth.GroupKnowledgeManager}
	list := func(status string) reviewed {
		t.Helper()
		resp, raw := request(t, "GET", w.url+"/api/library/feedback?rating=down&status="+status+"&collection="+w.collection, "kim", km, nil, nil)
		var r reviewed
		if resp.StatusCode != http.StatusOK || json.Unmarshal(raw, &r) != nil {
			t.Fatalf("review: %d %s", resp.StatusCode, raw)
		}
		return r
	}
	r := list("open")
	if len(r.Answers) != 1 || r.Answers[0].AnswerID != w.answerID || r.Answers[0].Comment != "Der Preis stimmt nicht" {
		t.Fatalf("open review: %+v", r)
	}
	if u := r.Answers[0].User; u == w.asker || !strings.HasPrefix(u, "pseud-") {
		t.Errorf("rater shown as %q, want a pseudonym", u)
	}
	resp, raw := request(t, "POST", w.url+"/api/library/feedback/"+itoa(w.answerID)+"/handle", "kim", km,
		map[string]any{"outcome": "document_fixed", "note": "Preis korrigiert"}, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("handle: %d %s", resp.StatusCode, raw)
	}
	if len(list("open").Answers) != 0 || len(list("handled").Answers) != 1 {
		t.Error("the handled answer did not move from open to handled")
	}
	var n int
	if err := w.store.DB().QueryRow(context.Background(), "SELECT count(*) FROM audit_log WHERE action = 'feedback.handled' AND target = $1",
		"answer:"+itoa(w.answerID)).Scan(&n); err != nil || n != 1 {
		t.Errorf("audit events of the handling: %d %v", n, err)
	}
	resp, raw = request(t, "POST", w.url+"/api/library/feedback/"+itoa(w.answerID)+"/handle", "kim", km,
		map[string]any{"outcome": "shrug"}, nil)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(raw), "outcome") {
		t.Errorf("unknown outcome: %d %s, want 400 naming the field", resp.StatusCode, raw)
	}
}

// TestGroupsChangeOverHTTPWithoutNewVectors: a knowledge manager in the
// group "bauamt" restricts a public document to it by PATCH; at once a
// caller outside the group no longer retrieves or opens it, with the
// same chunks and vectors as before (none added, none re-made).
func TestGroupsChangeOverHTTPWithoutNewVectors(t *testing.T) {
	w := setupInsight(t, nil)
	ctx := context.Background()
	vectors := func() (n int, chunks string) {
		t.Helper()
		if err := w.store.DB().QueryRow(ctx, `SELECT count(e.*), string_agg(DISTINCT k.id::text, ',')
			FROM chunks k LEFT JOIN embeddings e ON e.chunk_id = k.id WHERE k.document_id = $1`, w.docID).Scan(&n, &chunks); err != nil {
			t.Fatal(err)
		}
		return n, chunks
	}
	found := func(groups []string) int {
		t.Helper()
		hits, err := w.store.RetrieveLexical(ctx, store.RetrieveQuery{Text: "Bewohnerparkausweis kostet",
			RetrieveFilter: store.RetrieveFilter{Collections: []string{w.collection}, Groups: groups}})
		if err != nil {
			t.Fatal(err)
		}
		return len(hits)
	}
	n0, chunks0 := vectors()
	if n0 == 0 || found(nil) == 0 {
		t.Fatalf("before: %d vectors, %d passages found", n0, found(nil))
	}
	resp, raw := request(t, "PATCH", w.url+"/api/library/documents/"+itoa(w.docID), "kim",
		[]string{auth.GroupKnowledgeManager, "bauamt"}, map[string]any{"groups": []string{"bauamt"}, "title": "Bewohnerparken (Bauamt)"}, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("PATCH groups: %d %s", resp.StatusCode, raw)
	}
	if n := found(nil); n != 0 {
		t.Errorf("a caller without groups still retrieves %d passages", n)
	}
	if n := found([]string{"bauamt"}); n == 0 {
		t.Error("a member of bauamt retrieves nothing")
	}
	if resp, _ := request(t, "GET", w.url+"/api/documents/"+itoa(w.docID), "otto", nil, nil, nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("the document for a caller outside bauamt: %d, want 404", resp.StatusCode)
	}
	if n1, chunks1 := vectors(); n1 != n0 || chunks1 != chunks0 {
		t.Errorf("vectors %d → %d, chunks %s → %s: the change re-embedded", n0, n1, chunks0, chunks1)
	}
	resp, raw = request(t, "PATCH", w.url+"/api/library/documents/"+itoa(w.docID), "kim",
		[]string{auth.GroupKnowledgeManager, "bauamt"}, map[string]any{"groups": []string{"bauamt", "kaemmerei"}}, nil)
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(string(raw), "kaemmerei") {
		t.Errorf("granting a group the caller is not in: %d %s, want 403 naming it", resp.StatusCode, raw)
	}
}
