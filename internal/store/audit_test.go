package store_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"testing"

	"github.com/civitas-eu/civitas/internal/audit"
	"github.com/civitas-eu/civitas/internal/dbtest"
	"github.com/civitas-eu/civitas/internal/store"
)

// TestAnswersAndDocumentChangesAreAudited: recording an answer, writing
// document versions and deleting a document each append an event in the
// same transaction, with the provenance an auditor needs.
func TestAnswersAndDocumentChangesAreAudited(t *testing.T) {
	ctx := audit.WithActor(context.Background(), "ingest@test")
	tx := dbtest.Tx(t)
	st, err := store.New(tx)
	if err != nil {
		t.Fatal(err)
	}
	m, err := st.RegisterEmbeddingModel(ctx, "test-embed", 4, "sha256:embed")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.EnsureCollection(ctx, "audit"); err != nil {
		t.Fatal(err)
	}
	write := func(text string, prev *store.CurrentVersion) store.Document {
		sum := sha256.Sum256([]byte(text))
		d, err := st.WriteVersion(ctx, store.NewVersion{
			Document: store.Document{Collection: "audit", SourceURI: "file:///a.md", Title: "A", MediaType: "text/markdown", ContentHash: sum[:]},
			Chunks:   []store.Chunk{{Content: text, TokenCount: 2}}, Vectors: [][]float32{{1, 0, 0, 0}}, Model: m, Previous: prev,
		})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	v1 := write("first text", nil)
	v2 := write("second text", &store.CurrentVersion{ID: v1.ID, Version: 1})

	conv, err := st.CreateConversation(ctx, "alice", "q")
	if err != nil {
		t.Fatal(err)
	}
	sources := `[{"n":1,"chunk_id":11,"document_id":` + itoa(v2.ID) + `,"document_version":2,"source_uri":"file:///a.md","title":"A","page_start":3,"snippet":"second"},
		{"n":2,"chunk_id":12,"document_id":99,"document_version":1,"source_uri":"file:///b.md","title":"B","snippet":"other"}]`
	a, err := st.RecordAnswer(ctx, store.Answer{
		ConversationID: conv.ID, User: "alice", Question: "Was kostet das?", Answer: "30 Euro [1].", Mode: "answer",
		Language: "de", RetrievalMode: "hybrid", Sources: json.RawMessage(sources), Citations: json.RawMessage(`[{"n":1,"chunk_id":11}]`),
		RetrievedChunkIDs: []int64{11, 12, 13}, CitedChunkIDs: []int64{11},
		ChatModel: "chat-x", ChatDigest: "sha256:chat", EmbedModel: "test-embed", PromptVersion: "abcdef0123456789",
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.DeleteDocument(ctx, v2.ID); err != nil {
		t.Fatal(err)
	}

	recs, err := audit.Search(ctx, tx, audit.Filter{}, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, r := range recs {
		actions = append([]string{r.Action}, actions...)
	}
	want := []string{"document.ingested", "document.updated", "answer.created", "document.deleted"}
	if len(actions) != len(want) {
		t.Fatalf("actions = %v, want %v", actions, want)
	}
	for i := range want {
		if actions[i] != want[i] {
			t.Fatalf("actions = %v, want %v", actions, want)
		}
	}
	ans := recs[1]
	var d struct {
		AnswerID      int64 `json:"answer_id"`
		Passages      []map[string]any
		Cited         []map[string]any
		Retrieved     []int64 `json:"retrieved_chunk_ids"`
		ChatModel     string  `json:"chat_model"`
		ChatDigest    string  `json:"chat_digest"`
		EmbedModel    string  `json:"embed_model"`
		EmbedDigest   string  `json:"embed_digest"`
		PromptVersion string  `json:"prompt_version"`
	}
	if err := json.Unmarshal(ans.Details, &d); err != nil {
		t.Fatal(err)
	}
	if d.AnswerID != a.ID || len(d.Passages) != 2 || len(d.Cited) != 1 || d.Cited[0]["document_version"] != float64(2) ||
		len(d.Retrieved) != 3 || d.ChatModel != "chat-x" || d.ChatDigest != "sha256:chat" || d.EmbedModel != "test-embed" ||
		d.EmbedDigest != "sha256:embed" || d.PromptVersion != "abcdef0123456789" {
		t.Errorf("answer.created details = %s", ans.Details)
	}
	var personal map[string]string
	if ans.Personal == nil || json.Unmarshal(ans.Personal.Data, &personal) != nil || ans.Personal.Actor != "alice" || personal["question"] != "Was kostet das?" {
		t.Errorf("answer.created personal part = %+v", ans.Personal)
	}
	if recs[0].Personal.Actor != "ingest@test" || recs[0].Target != "document:"+itoa(v2.ID) {
		t.Errorf("document.deleted = %+v %+v", recs[0], recs[0].Personal)
	}
	if res, err := audit.Verify(ctx, tx); err != nil || !res.OK || res.Rows != 4 {
		t.Fatalf("verify = %+v, %v", res, err)
	}
	// A failed write leaves no event behind.
	if _, err := st.DeleteDocument(ctx, 123456); err == nil {
		t.Fatal("deleting a missing document succeeded")
	}
	if res, _ := audit.Verify(ctx, tx); res.Rows != 4 {
		t.Errorf("a failed delete was recorded: %+v", res)
	}
}

func itoa(v int64) string { b, _ := json.Marshal(v); return string(b) }

// TestDeleteDocumentAppendsLast: deleting a document appends its audit
// event after the rows are gone, so the chain head's lock is not held
// through the cascade and is taken after the row locks, in the same order
// as WriteVersion (the reverse can deadlock two writers). A trigger
// records the chain head the cascade sees.
func TestDeleteDocumentAppendsLast(t *testing.T) {
	t.Parallel()
	ctx := audit.WithActor(context.Background(), "km@test")
	f := setup(t)
	db := f.st.DB() // setup's test transaction
	for _, sql := range []string{
		`CREATE TABLE delete_saw (head bigint NOT NULL)`,
		`CREATE FUNCTION note_head() RETURNS trigger LANGUAGE plpgsql AS $$
		 BEGIN INSERT INTO delete_saw SELECT last_id FROM audit_head; RETURN OLD; END $$`,
		`CREATE TRIGGER note_head BEFORE DELETE ON documents FOR EACH ROW EXECUTE FUNCTION note_head()`,
	} {
		if _, err := db.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	var before int64
	if err := db.QueryRow(ctx, "SELECT last_id FROM audit_head").Scan(&before); err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.DeleteDocument(ctx, f.doc.ID); err != nil {
		t.Fatal(err)
	}
	var saw, after int64
	if err := db.QueryRow(ctx, "SELECT max(head) FROM delete_saw").Scan(&saw); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(ctx, "SELECT last_id FROM audit_head").Scan(&after); err != nil {
		t.Fatal(err)
	}
	if saw != before || after != before+1 {
		t.Errorf("the cascade saw chain head %d (before %d, after %d): the event must be appended after the delete", saw, before, after)
	}
	last, err := audit.Search(ctx, db, audit.Filter{}, 0, 1)
	if err != nil || len(last) != 1 {
		t.Fatalf("last event: %v, %v", last, err)
	}
	var d struct{ Source string }
	if err := json.Unmarshal(last[0].Details, &d); err != nil || last[0].Action != audit.ActionDocumentDeleted ||
		last[0].ID != after || d.Source != "file:///docs/parkausweis.pdf" {
		t.Errorf("last event = %d %s %s (%v); want document.deleted with the document's source", last[0].ID, last[0].Action, last[0].Details, err)
	}
}
