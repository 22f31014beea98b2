package server_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/civitas-eu/civitas/internal/auth"
	"github.com/civitas-eu/civitas/internal/store"
)

// TestBrowserGoldenQuestionFromHelpfulAnswer: on the documents page, a
// knowledge manager (of the group this city configured) sees an answer a
// user rated helpful and keeps it as a golden question with one click; it
// moves from the candidates to the kept questions. axe-core checks the
// page with both lists filled.
func TestBrowserGoldenQuestionFromHelpfulAnswer(t *testing.T) {
	ctx := browser(t)
	dir := artifacts(t)
	lib := setupLibrary(t, 0, 0, auth.Config{DevUser: "kim", DevGroups: []string{wissen, "staff"}, Roles: auth.Roles{KnowledgeManager: wissen}})
	st, err := store.New(lib.pool)
	if err != nil {
		t.Fatal(err)
	}
	bg := context.Background()
	hash := sha256.Sum256([]byte(lib.collection))
	doc, _, err := st.InsertDocument(bg, store.Document{Collection: lib.collection, SourceURI: "/docs/parken.pdf", Title: "Parken im Bezirk",
		MediaType: "application/pdf", Language: "de", TSConfig: "german", ContentHash: hash[:], SizeBytes: 1},
		[]store.Chunk{{Content: "Der Bewohnerparkausweis kostet 30 Euro im Jahr.", TokenCount: 8, PageStart: intp(2), PageEnd: intp(2)}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = lib.pool.Exec(bg, "DELETE FROM collections WHERE name = $1", lib.collection) })
	question := "Was kostet der Bewohnerparkausweis? " + lib.collection
	conv, err := st.CreateConversation(bg, "alice", question)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = lib.pool.Exec(bg, "DELETE FROM conversations WHERE id = $1", conv.ID) })
	src, _ := json.Marshal([]map[string]any{{"n": 1, "chunk_id": 1, "document_id": doc.ID, "document_version": 1,
		"title": doc.Title, "source_uri": doc.SourceURI, "page_start": 2, "page_end": 2, "snippet": "Der Bewohnerparkausweis kostet 30 Euro"}})
	a, err := st.RecordAnswer(bg, store.Answer{ConversationID: conv.ID, User: "alice", Question: question,
		Answer: "30 Euro [1].", Mode: "answer", Sources: src, Citations: json.RawMessage(`[{"n":1}]`)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.SaveFeedback(bg, store.Feedback{AnswerID: a.ID, User: "alice", Rating: store.RatingUp}); err != nil {
		t.Fatal(err)
	}

	openPage(t, ctx, lib.url+"/documents")
	candidate := fmt.Sprintf(`document.querySelector('#golden-candidates-body tr[data-answer="%d"]')`, a.ID)
	waitFor(t, ctx, "the helpful answer among the candidates", candidate, 10*time.Second)
	if got := eval[string](t, ctx, candidate+`.innerText`); !strings.Contains(got, "Parken im Bezirk") || !strings.Contains(got, "2") {
		t.Errorf("candidate row %q: want the source title and page", got)
	}
	step(t, ctx, "keep it as a golden question", chromedp.Evaluate[chromedp.Void](candidate+`.querySelector('button').click()`))
	kept := `[...document.querySelectorAll('#golden-body tr')].find(r => r.textContent.includes(` + jsString(question) + `))`
	waitFor(t, ctx, "the kept question", kept+` && !(`+candidate+`)`, 10*time.Second)
	if got := eval[string](t, ctx, `document.activeElement.id`); got != "golden-list-heading" {
		t.Errorf("focus on %q after promoting, want the kept questions' heading", got)
	}
	waitFor(t, ctx, "the announcement", `document.getElementById('golden-status').textContent.includes('Kept as a golden question')`, 5*time.Second)
	checkAccessibility(t, ctx, dir, "documents-golden")
	screenshot(t, ctx, dir, "documents-golden.png")

	gs, err := st.GoldenQuestions(bg, lib.collection)
	if err != nil || len(gs) != 1 || gs[0].Question != question || gs[0].Origin != store.GoldenAnswer || len(gs[0].Pages) != 1 || gs[0].Pages[0] != 2 {
		t.Errorf("golden questions of %s: %+v (%v)", lib.collection, gs, err)
	}
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func intp(i int) *int { return &i }
