package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/civitas-eu/civitas/internal/dbtest"
	"github.com/civitas-eu/civitas/internal/store"
)

// TestStoredSourcesFollowAccessChanges reproduces finding F5: an answer's
// stored sources went on showing a document's title and snippet after the
// document was re-grouped out of the caller's reach. Now such sources
// (and those of deleted documents) keep only their number; the answer's
// text stays.
func TestStoredSourcesFollowAccessChanges(t *testing.T) {
	b := setup(t, setupOpts{})
	b.ingestFiles(t, []string{"bauamt"}, map[string]string{"bau.md": "# Vermerk Bauamt\n\nDer Vermerk betrifft Baugenehmigungen.\n"})
	ctx := context.Background()
	pool := dbtest.Migrated(t)
	var docID int64
	if err := pool.QueryRow(ctx, `SELECT d.id FROM documents d JOIN collections c ON c.id = d.collection_id
		WHERE c.name = $1`, b.collection).Scan(&docID); err != nil {
		t.Fatal(err)
	}
	c, err := b.store.CreateConversation(ctx, "sam", "Bauamt")
	if err != nil {
		t.Fatal(err)
	}
	src := fmt.Sprintf(`[{"n":1,"document_id":%d,"title":"Vermerk Bauamt","snippet":"Der Vermerk betrifft Baugenehmigungen."},
		{"n":2,"document_id":-1,"title":"Gelöschtes Papier","snippet":"weg"}]`, docID)
	cit := fmt.Sprintf(`[{"n":1,"document_id":%d,"chunk_id":1,"title":"Vermerk Bauamt","snippet":"Der Vermerk betrifft"}]`, docID)
	if _, err := b.store.RecordAnswer(ctx, store.Answer{ConversationID: c.ID, User: "sam", Question: "Was betrifft der Vermerk?",
		Answer: "Baugenehmigungen [1].", Mode: "answer", Language: "de", Sources: json.RawMessage(src), Citations: json.RawMessage(cit),
		ChatModel: b.chatModel, EmbedModel: b.embedModel, PromptVersion: "test"}); err != nil {
		t.Fatal(err)
	}
	get := func() string {
		t.Helper()
		resp, raw := request(t, "GET", fmt.Sprintf("%s/api/conversations/%d", b.url, c.ID), "sam", []string{"bauamt"}, nil, nil)
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(raw), "Baugenehmigungen [1].") {
			t.Fatalf("conversation: %d %s, want 200 with the answer's text", resp.StatusCode, raw)
		}
		return string(raw)
	}
	body := get()
	if !strings.Contains(body, "Vermerk Bauamt") || strings.Contains(body, "Gelöschtes Papier") {
		t.Errorf("before the change: want the visible source, not the deleted one: %s", body)
	}
	if _, err := pool.Exec(ctx, `UPDATE documents SET access_groups = '{kaemmerei}' WHERE id = $1`, docID); err != nil {
		t.Fatal(err)
	}
	body = get()
	for _, leak := range []string{"Vermerk Bauamt", "Der Vermerk betrifft", fmt.Sprintf(`"document_id": %d`, docID)} {
		if strings.Contains(body, leak) {
			t.Errorf("after re-grouping, the reply still holds %q: %s", leak, body)
		}
	}
	if !strings.Contains(body, store.UnavailableSource) {
		t.Errorf("after re-grouping: want the sources marked %q: %s", store.UnavailableSource, body)
	}
}
