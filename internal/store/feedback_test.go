package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/civitas-eu/civitas/internal/dbtest"
	"github.com/civitas-eu/civitas/internal/store"
)

// Feedback is stored for the asker only, the latest verdict wins, invalid
// input is refused, and feedback goes with its answer.
func TestFeedback(t *testing.T) {
	ctx := context.Background()
	tx := dbtest.Tx(t)
	st, err := store.New(tx)
	if err != nil {
		t.Fatal(err)
	}
	conv, err := st.CreateConversation(ctx, "a.meier", "Parkausweis")
	if err != nil {
		t.Fatal(err)
	}
	ans, err := st.RecordAnswer(ctx, store.Answer{ConversationID: conv.ID, User: "a.meier", Question: "Was kostet er?", Answer: "90 Euro [1]", Mode: "answer"})
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name    string
		fb      store.Feedback
		wantErr error
	}{
		{"asker rates up", store.Feedback{AnswerID: ans.ID, User: "a.meier", Rating: store.RatingUp}, nil},
		{"asker changes to down with a comment", store.Feedback{AnswerID: ans.ID, User: "a.meier", Rating: store.RatingDown, Comment: "Die Gebühr ist veraltet."}, nil},
		{"another user may not rate it", store.Feedback{AnswerID: ans.ID, User: "b.roth", Rating: store.RatingUp}, store.ErrNotFound},
		{"unknown answer", store.Feedback{AnswerID: ans.ID + 1000, User: "a.meier", Rating: store.RatingUp}, store.ErrNotFound},
		{"rating must be up or down", store.Feedback{AnswerID: ans.ID, User: "a.meier", Rating: "meh"}, store.ErrInvalidFeedback},
		{"comment too long", store.Feedback{AnswerID: ans.ID, User: "a.meier", Rating: store.RatingUp, Comment: strings.Repeat("ä", store.MaxFeedbackComment+1)}, store.ErrInvalidFeedback},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := st.SaveFeedback(ctx, tt.fb)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("SaveFeedback error = %v, want %v", err, tt.wantErr)
			}
			if err == nil && (got.Rating != tt.fb.Rating || got.Comment != tt.fb.Comment || got.User != tt.fb.User || got.CreatedAt.IsZero()) {
				t.Errorf("stored %+v, want %+v", got, tt.fb)
			}
		})
	}

	// The latest verdict is the one kept, and there is only one.
	got, err := st.FeedbackOf(ctx, ans.ID, "a.meier")
	if err != nil || got.Rating != store.RatingDown || got.Comment != "Die Gebühr ist veraltet." {
		t.Fatalf("FeedbackOf = %+v, %v; want the latest verdict (down, with comment)", got, err)
	}
	var n int
	if err := tx.QueryRow(ctx, "SELECT count(*) FROM answer_feedback WHERE answer_id = $1", ans.ID).Scan(&n); err != nil || n != 1 {
		t.Fatalf("%d feedback rows (%v), want 1", n, err)
	}
	if _, err := st.FeedbackOf(ctx, ans.ID, "b.roth"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("FeedbackOf another user = %v, want ErrNotFound", err)
	}

	// The schema itself refuses what the Go check refuses (in a savepoint,
	// so the failure does not abort the test's transaction).
	sub, err := tx.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sub.Exec(ctx, "INSERT INTO answer_feedback (answer_id, user_name, rating) VALUES ($1, 'a.meier', 'sideways')", ans.ID); err == nil {
		t.Error("the schema accepted rating 'sideways'")
	}
	if err := sub.Rollback(ctx); err != nil {
		t.Fatal(err)
	}

	// Deleting the conversation (and so the answer) deletes the feedback.
	if _, err := tx.Exec(ctx, "DELETE FROM conversations WHERE id = $1", conv.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := st.FeedbackOf(ctx, ans.ID, "a.meier"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("feedback survived its answer: %v", err)
	}
}
