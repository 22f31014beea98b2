package audit

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
)

// The functions of this file delete the personal part of events for
// retention and data-subject erasure (internal/privacy). They take the
// caller's transaction as db, so the deletion and the retention.run or
// subject.erased event listing it (under PersonalRemovedKey, which Verify
// needs) commit together. The events themselves stay, and their chain
// still verifies.

// ExpireAnswerPersonal deletes the personal part (asker, question) of the
// answer.created events recorded before cutoff or whose target is one of
// targets ("answer:ID" of answer records just pseudonymised or deleted),
// and returns the ids of the events it emptied.
func ExpireAnswerPersonal(ctx context.Context, db DB, cutoff time.Time, targets []string) ([]int64, error) {
	q, err := queries()
	if err != nil {
		return nil, err
	}
	if targets == nil {
		targets = []string{}
	}
	rows, err := db.Query(ctx, q.Get("ExpireAnswerPersonal"), cutoff, targets)
	if err != nil {
		return nil, fmt.Errorf("audit: expire personal data of answer events: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("audit: expire personal data of answer events: %w", err)
	}
	return nonNilIDs(ids), nil
}

// ErasePersonal deletes the personal part of the events that name any of
// people as actor or subject, except events on legal hold (OnLegalHold),
// and returns the ids of the events it emptied and of those it kept, in
// order.
func ErasePersonal(ctx context.Context, db DB, people []string) (removed, kept []int64, err error) {
	q, err := queries()
	if err != nil {
		return nil, nil, err
	}
	rows, err := db.Query(ctx, q.Get("PersonalOf"), people)
	if err != nil {
		return nil, nil, fmt.Errorf("audit: find personal data: %w", err)
	}
	var id int64
	var action string
	var erase []int64
	kept = []int64{}
	_, err = pgx.ForEachRow(rows, []any{&id, &action}, func() error {
		if OnLegalHold(action) {
			kept = append(kept, id)
		} else {
			erase = append(erase, id)
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("audit: find personal data: %w", err)
	}
	if rows, err = db.Query(ctx, q.Get("DeletePersonal"), erase); err != nil {
		return nil, nil, fmt.Errorf("audit: erase personal data: %w", err)
	}
	if removed, err = pgx.CollectRows(rows, pgx.RowTo[int64]); err != nil {
		return nil, nil, fmt.Errorf("audit: erase personal data: %w", err)
	}
	slices.Sort(removed)
	return nonNilIDs(removed), kept, nil
}

// nonNilIDs makes an empty list of ids marshal as [], not null: the
// details of retention.run and subject.erased list them.
func nonNilIDs(ids []int64) []int64 {
	if ids == nil {
		return []int64{}
	}
	return ids
}
