package audit

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"
)

// Break is the first place the chain does not hold.
type Break struct {
	ID     int64  `json:"id"`
	Reason string `json:"reason"`
}

// Result is the outcome of Verify.
type Result struct {
	OK       bool   `json:"ok"`
	Rows     int64  `json:"rows"`      // rows checked
	HeadID   int64  `json:"head_id"`   // the last row's id at the start of the walk
	HeadHash string `json:"head_hash"` // its hash, hex: record it elsewhere to anchor the chain
	// Erased counts rows whose personal data was removed by an erasure
	// or retention run that the trail records.
	Erased   int64  `json:"erased"`
	FirstBad *Break `json:"first_bad"`
}

// verifyPage is how many rows one query of the walk reads.
const verifyPage = 1000

// Verify walks the chain from its first row to the head and reports the
// first row that does not hold: one missing (ids are gapless), altered
// (its hash does not match its contents), out of chain (its prev_hash is
// not the previous row's hash), whose personal data was changed, or whose
// personal data is gone without an erasure event listing it; an erasure
// or retention event that lists rows it cannot have emptied
// (checkErasure); or a row beyond the head, which is there only if rows
// were added around Append or the head record was set back (a rolled-
// back head would otherwise hide the rows after it). An error is
// returned only when the walk itself fails.
//
// The whole walk reads one snapshot (a read-only REPEATABLE READ
// transaction): read in several, an erasure or retention run committing
// mid-walk would make rows already checked disagree with rows read later,
// and untouched data look tampered with. A db that is already a
// transaction is used as it is; its snapshot is the caller's choice.
func Verify(ctx context.Context, db DB) (res Result, err error) {
	if tx, ok := db.(pgx.Tx); ok {
		return verifyIn(ctx, tx)
	}
	var walkErr error
	walk := func(tx pgx.Tx) error {
		res, walkErr = verifyIn(ctx, tx)
		return walkErr
	}
	b, ok := db.(txBeginner)
	if !ok { // every DB here is a pool, a connection or a transaction
		return res, fmt.Errorf("audit: verify: %T cannot begin a snapshot transaction", db)
	}
	err = pgx.BeginTxFunc(ctx, b, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, walk)
	if err != nil && walkErr == nil { // the walk's own errors say what failed already
		return res, fmt.Errorf("audit: verify: snapshot transaction: %w", err)
	}
	return res, err
}

// txBeginner is a DB that begins transactions with options (a pool or a
// connection).
type txBeginner interface {
	BeginTx(ctx context.Context, opts pgx.TxOptions) (pgx.Tx, error)
}

// verifyIn walks the chain with db, which reads one snapshot.
func verifyIn(ctx context.Context, db DB) (Result, error) {
	q, err := queries()
	if err != nil {
		return Result{}, err
	}
	var res Result
	var headHash []byte
	if err := db.QueryRow(ctx, q.Get("ReadHead")).Scan(&res.HeadID, &headHash); err != nil {
		return res, fmt.Errorf("audit: verify: read chain head: %w", err)
	}
	res.HeadHash = hex.EncodeToString(headHash)
	prev := make([]byte, 32)
	var missingPersonal []int64  // rows whose personal data is gone
	removed := map[int64]int64{} // rows an erasure or retention event lists: the event's id
	var after int64
	fail := func(id int64, format string, a ...any) (Result, error) {
		res.FirstBad = &Break{ID: id, Reason: fmt.Sprintf(format, a...)}
		return res, nil
	}
	for after < res.HeadID {
		rows, err := db.Query(ctx, q.Get("ChainPage"), after, res.HeadID, verifyPage)
		if err != nil {
			return res, fmt.Errorf("audit: verify: read rows after %d: %w", after, err)
		}
		page, err := pgx.CollectRows(rows, scanRecord)
		if err != nil {
			return res, fmt.Errorf("audit: verify: read rows after %d: %w", after, err)
		}
		if len(page) == 0 {
			return fail(after+1, "rows %d to %d are missing (the chain head is at %d)", after+1, res.HeadID, res.HeadID)
		}
		for _, r := range page {
			switch want := after + 1; {
			case r.ID != want:
				return fail(want, "row %d is missing (the next row is %d)", want, r.ID)
			case !bytes.Equal(r.PrevHash, prev):
				return fail(r.ID, "prev_hash does not match the hash of row %d: a row was inserted, removed or rewritten", r.ID-1)
			case !bytes.Equal(r.computeHash(), r.Hash):
				return fail(r.ID, "hash does not match the row's contents: the row was altered")
			case r.Personal != nil && !bytes.Equal(r.Personal.hash(), r.PersonalHash):
				return fail(r.ID, "personal data (actor, subject or data) was altered")
			case r.Personal == nil && r.PersonalHash != nil:
				missingPersonal = append(missingPersonal, r.ID)
			}
			if r.Action == ActionSubjectErased || r.Action == ActionRetentionRun || r.Action == ActionConversationDeleted {
				reason, err := checkErasure(ctx, db, r, removed)
				if err != nil {
					return res, err
				}
				if reason != "" {
					return fail(r.ID, "%s", reason)
				}
			}
			prev, after = r.Hash, r.ID
			res.Rows++
		}
	}
	if !bytes.Equal(prev, headHash) {
		return fail(res.HeadID, "the chain head's hash is not the last row's hash")
	}
	var beyond, nBeyond int64
	if err := db.QueryRow(ctx, q.Get("BeyondHead"), res.HeadID).Scan(&beyond, &nBeyond); err != nil {
		return res, fmt.Errorf("audit: verify: read rows after the head: %w", err)
	}
	if nBeyond > 0 {
		return fail(beyond, "%d rows from %d on lie beyond the chain head (%d): rows were added around the trail, or the head record was set back to hide them",
			nBeyond, beyond, res.HeadID)
	}
	slices.Sort(missingPersonal)
	for _, id := range missingPersonal {
		if removed[id] == 0 {
			return fail(id, "personal data was deleted without an erasure or retention event recording it")
		}
		res.Erased++
	}
	res.OK = true
	return res, nil
}
