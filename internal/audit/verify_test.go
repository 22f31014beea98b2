package audit_test

import (
	"context"
	"strings"
	"testing"

	"github.com/civitas-eu/civitas/internal/audit"
	"github.com/civitas-eu/civitas/internal/dbtest"
)

// TestVerifyDetectsRowsBeyondHead: rows after the recorded head — the
// head record set back to hide the last rows, or rows inserted without
// moving it — break the chain.
func TestVerifyDetectsRowsBeyondHead(t *testing.T) {
	cases := []struct {
		name   string
		sql    []string
		wantID int64
	}{
		{"head set back", []string{`UPDATE audit_head SET last_id = 3, last_hash = (SELECT hash FROM audit_log WHERE id = 3)`}, 4},
		{"row inserted after the head", []string{
			`INSERT INTO audit_log (id, at, action, details, prev_hash, hash) SELECT 6, now(), 'answer.created', '{}', hash, sha256(hash) FROM audit_log WHERE id = 5`}, 6},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tx := dbtest.Tx(t)
			appendN(t, tx, 5)
			for _, s := range c.sql {
				if _, err := tx.Exec(context.Background(), s); err != nil {
					t.Fatalf("%s: %v", s, err)
				}
			}
			res := verify(t, tx)
			if res.OK || res.FirstBad == nil || res.FirstBad.ID != c.wantID || !strings.Contains(res.FirstBad.Reason, "beyond the chain head") {
				t.Fatalf("verify = %+v (first bad %+v), want row %d beyond the head", res, res.FirstBad, c.wantID)
			}
		})
	}
}

// TestVerifyDetectsForgedErasure: an erasure or retention event must
// match the rows it lists. Events are appended through the API here, as
// anyone with write access to the database could: the chain itself holds,
// and only the check of what they claim finds them out.
func TestVerifyDetectsForgedErasure(t *testing.T) {
	// The trail: 1-3 document events by alice (on legal hold), 4 an admin
	// event by alice (on legal hold), 5 and 6 her questions (erasable).
	setup := func(t *testing.T) (context.Context, audit.DB) {
		tx := dbtest.Tx(t)
		appendN(t, tx, 3)
		ctx := context.Background()
		for _, e := range []audit.Event{
			{Action: audit.ActionAPIKeyIssued, Target: "apikey:1", Actor: "alice", Subject: "bob"},
			{Action: audit.ActionAnswerCreated, Target: "answer:1", Actor: "alice", Personal: map[string]string{"question": "q1"}},
			{Action: audit.ActionAnswerCreated, Target: "answer:2", Actor: "alice", Personal: map[string]string{"question": "q2"}},
		} {
			if _, err := audit.Append(ctx, tx, e); err != nil {
				t.Fatal(err)
			}
		}
		return ctx, tx
	}
	erasure := func(action string, ids ...int64) audit.Event {
		return audit.Event{Action: action, Target: "subject:pseud-x", Actor: "mallory", Details: map[string]any{audit.PersonalRemovedKey: ids}}
	}
	cases := []struct {
		name    string
		deleted []int64       // personal rows deleted before the events
		events  []audit.Event // appended after row 6
		wantID  int64
		reason  string
	}{
		{"a genuine erasure holds", []int64{5, 6}, []audit.Event{erasure(audit.ActionSubjectErased, 5, 6)}, 0, ""},
		{"erasure of an admin event", []int64{4}, []audit.Event{erasure(audit.ActionSubjectErased, 4)}, 7, "legal hold"},
		{"erasure of a document event", []int64{2}, []audit.Event{erasure(audit.ActionSubjectErased, 2)}, 7, "legal hold"},
		{"retention of an admin event", []int64{4}, []audit.Event{erasure(audit.ActionRetentionRun, 4)}, 7, "retention expires only"},
		{"lists a row still there", nil, []audit.Event{erasure(audit.ActionSubjectErased, 5)}, 7, "still there"},
		{"lists a row to come", nil, []audit.Event{erasure(audit.ActionSubjectErased, 8),
			{Action: audit.ActionAnswerCreated, Target: "answer:3", Actor: "carol"}}, 7, "not in the trail before it"},
		{"lists a row twice", []int64{5}, []audit.Event{erasure(audit.ActionSubjectErased, 5), erasure(audit.ActionSubjectErased, 5)}, 8, "emptied already"},
		{"lists nothing", nil, []audit.Event{{Action: audit.ActionSubjectErased, Target: "subject:pseud-x", Details: map[string]any{"answers": 1}}}, 7, "does not list"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx, db := setup(t)
			for _, id := range c.deleted {
				if _, err := db.Exec(ctx, "DELETE FROM audit_personal WHERE audit_id = $1", id); err != nil {
					t.Fatal(err)
				}
			}
			for _, e := range c.events {
				if _, err := audit.Append(ctx, db, e); err != nil {
					t.Fatal(err)
				}
			}
			if c.name == "lists a row to come" { // row 8 is emptied after the event that excused it
				if _, err := db.Exec(ctx, "DELETE FROM audit_personal WHERE audit_id = 8"); err != nil {
					t.Fatal(err)
				}
			}
			res := verify(t, db)
			if c.wantID == 0 {
				if !res.OK || res.Erased != int64(len(c.deleted)) {
					t.Fatalf("verify = %+v (first bad %+v), want ok with %d erased", res, res.FirstBad, len(c.deleted))
				}
				return
			}
			if res.OK || res.FirstBad == nil || res.FirstBad.ID != c.wantID || !strings.Contains(res.FirstBad.Reason, c.reason) {
				t.Fatalf("verify = %+v (first bad %+v), want event %d reported as %q", res, res.FirstBad, c.wantID, c.reason)
			}
		})
	}
}

func TestOnLegalHold(t *testing.T) {
	t.Parallel()
	for action, want := range map[string]bool{
		audit.ActionAPIKeyIssued: true, audit.ActionModelChanged: true, audit.ActionModelInstalled: true,
		audit.ActionDocumentIngested: true, audit.ActionSubjectExported: true, audit.ActionSubjectErased: true,
		audit.ActionAuditExported: true, audit.ActionRetentionRun: true, "auth.signed_in": true,
		audit.ActionAnswerCreated: false, "test.x": false, "administrator.x": false,
	} {
		if got := audit.OnLegalHold(action); got != want {
			t.Errorf("OnLegalHold(%q) = %v, want %v", action, got, want)
		}
	}
}
