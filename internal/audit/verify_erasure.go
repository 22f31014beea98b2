package audit

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// checkErasure checks that the erasure or retention event r did what it
// says: each row it lists as emptied (PersonalRemovedKey) is earlier than
// it, had a personal part, has none now, was emptied by no earlier event,
// and is of a kind the event may empty — a retention run expires only
// answer.created events, and an erasure never an event on legal hold
// (OnLegalHold). Without this, an event appended by someone with write
// access to the database could excuse any deletion, of rows already there
// or to come. It adds what r lists to removed (row id → r.ID) and returns
// "" or why r does not hold; an error only when the rows cannot be read.
func checkErasure(ctx context.Context, db DB, r Record, removed map[int64]int64) (string, error) {
	var d map[string]json.RawMessage
	var ids []int64
	if json.Unmarshal(r.Details, &d) != nil || json.Unmarshal(d[PersonalRemovedKey], &ids) != nil || ids == nil {
		return fmt.Sprintf("the %s event does not list the rows it emptied (%q)", r.Action, PersonalRemovedKey), nil
	}
	q, err := queries()
	if err != nil {
		return "", err
	}
	type erased struct {
		action            string
		hadPersonal, kept bool
	}
	rows, err := db.Query(ctx, q.Get("ErasedRows"), ids)
	if err != nil {
		return "", fmt.Errorf("audit: verify: read the rows event %d emptied: %w", r.ID, err)
	}
	found := map[int64]erased{}
	var id int64
	var e erased
	_, err = pgx.ForEachRow(rows, []any{&id, &e.action, &e.hadPersonal, &e.kept}, func() error {
		found[id] = e
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("audit: verify: read the rows event %d emptied: %w", r.ID, err)
	}
	for _, id := range ids {
		row, ok := found[id]
		switch {
		case id >= r.ID || !ok:
			return fmt.Sprintf("the %s event lists row %d, which was not in the trail before it", r.Action, id), nil
		case removed[id] != 0:
			return fmt.Sprintf("the %s event lists row %d, which event %d emptied already", r.Action, id, removed[id]), nil
		case !row.hadPersonal:
			return fmt.Sprintf("the %s event lists row %d, which had no personal data", r.Action, id), nil
		case row.kept:
			return fmt.Sprintf("the %s event lists row %d as emptied, but its personal data is still there", r.Action, id), nil
		case r.Action == ActionRetentionRun && row.action != ActionAnswerCreated:
			return fmt.Sprintf("the retention run lists row %d (%s), but retention expires only %s events", id, row.action, ActionAnswerCreated), nil
		case r.Action == ActionConversationDeleted && row.action != ActionAnswerCreated:
			return fmt.Sprintf("the conversation deletion lists row %d (%s), but deleting a conversation empties only %s events", id, row.action, ActionAnswerCreated), nil
		case r.Action == ActionSubjectErased && OnLegalHold(row.action):
			return fmt.Sprintf("the erasure lists row %d (%s), an event on legal hold whose actor is never erased", id, row.action), nil
		}
		removed[id] = r.ID
	}
	return "", nil
}
