package store_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/civitas-eu/civitas/internal/audit"
	"github.com/civitas-eu/civitas/internal/dbtest"
	"github.com/civitas-eu/civitas/internal/store"
)

// TestAnswerRecordKeepsRerankerAndQueueTime records an answer whose
// passages a reranker ordered after a wait in the generation queue: the
// record reads back with the reranker and both times, and the audit event
// names the reranker.
func TestAnswerRecordKeepsRerankerAndQueueTime(t *testing.T) {
	ctx := audit.WithActor(context.Background(), "test")
	tx := dbtest.Tx(t)
	st, err := store.New(tx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.RegisterEmbeddingModel(ctx, "test-embed", 4, "sha256:embed"); err != nil {
		t.Fatal(err)
	}
	conv, err := st.CreateConversation(ctx, "alice", "q")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.RecordAnswer(ctx, store.Answer{
		ConversationID: conv.ID, User: "alice", Question: "q?", Answer: "a", Mode: "answer", Language: "en",
		RetrievalMode: "hybrid", EmbedModel: "test-embed", Reranker: "tei:bge-reranker", RerankMS: 42, QueueMS: 1234,
	}); err != nil {
		t.Fatal(err)
	}
	got, err := st.Answers(ctx, conv.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Reranker != "tei:bge-reranker" || got[0].RerankMS != 42 || got[0].QueueMS != 1234 {
		t.Fatalf("answers %+v", got)
	}
	recs, err := audit.Search(ctx, tx, audit.Filter{}, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Reranker string `json:"reranker"`
	}
	if len(recs) != 1 || json.Unmarshal(recs[0].Details, &d) != nil || d.Reranker != "tei:bge-reranker" {
		t.Errorf("audit %+v", recs)
	}
}
