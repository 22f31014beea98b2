package privacy_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/civitas-eu/civitas/internal/audit"
	"github.com/civitas-eu/civitas/internal/auth"
	"github.com/civitas-eu/civitas/internal/dbtest"
	"github.com/civitas-eu/civitas/internal/privacy"
	"github.com/civitas-eu/civitas/internal/store"
)

// world is a little history: alice has an old conversation, and an active
// one holding an old and a new answer; bob has a new conversation.
type world struct {
	tx                        pgx.Tx
	st                        *store.Store
	oldConv, activeConv, bobs int64
	oldAns, oldInActive       int64 // due
	newAns, bobAns            int64 // not due
}

func newWorld(t *testing.T) world {
	t.Helper()
	ctx := context.Background()
	w := world{tx: dbtest.Tx(t)}
	var err error
	if w.st, err = store.New(w.tx); err != nil {
		t.Fatal(err)
	}
	conv := func(user string) int64 {
		c, err := w.st.CreateConversation(ctx, user, user+"'s question")
		if err != nil {
			t.Fatal(err)
		}
		return c.ID
	}
	ans := func(convID int64, user, q string, age time.Duration) int64 {
		a, err := w.st.RecordAnswer(ctx, store.Answer{ConversationID: convID, User: user, Question: q, Answer: "answer to " + q, Mode: "answer"})
		if err != nil {
			t.Fatal(err)
		}
		w.exec(t, "UPDATE answers SET created_at = now() - $2::interval WHERE id = $1", a.ID, age.String())
		return a.ID
	}
	day := 24 * time.Hour
	w.oldConv, w.activeConv, w.bobs = conv("alice"), conv("alice"), conv("bob")
	w.oldAns = ans(w.oldConv, "alice", "Wie beantrage ich Wohngeld für Herrn Maier?", 40*day)
	w.oldInActive = ans(w.activeConv, "alice", "old question", 31*day)
	w.newAns = ans(w.activeConv, "alice", "new question", 29*day)
	w.bobAns = ans(w.bobs, "bob", "bob's question", time.Hour)
	w.exec(t, "UPDATE conversations SET updated_at = now() - interval '40 days' WHERE id = $1", w.oldConv)
	w.exec(t, "UPDATE conversations SET updated_at = now() - interval '29 days' WHERE id = $1", w.activeConv)
	return w
}

func (w world) exec(t *testing.T, sql string, args ...any) {
	t.Helper()
	if _, err := w.tx.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func (w world) service(t *testing.T, action string) *privacy.Service {
	t.Helper()
	s, err := privacy.New(w.tx, privacy.Config{Days: 30, Action: action}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

type answerRow struct {
	User, Question string
	Pseudonymised  bool
}

func (w world) answer(t *testing.T, id int64) (answerRow, bool) {
	t.Helper()
	var a answerRow
	err := w.tx.QueryRow(context.Background(), "SELECT user_name, question, pseudonymised_at IS NOT NULL FROM answers WHERE id = $1", id).
		Scan(&a.User, &a.Question, &a.Pseudonymised)
	if err == pgx.ErrNoRows {
		return a, false
	}
	if err != nil {
		t.Fatal(err)
	}
	return a, true
}

// answerEventPersonal reports whether the answer's audit event still
// has its personal part.
func (w world) answerEventPersonal(t *testing.T, answerID int64) bool {
	t.Helper()
	var n int
	if err := w.tx.QueryRow(context.Background(), `SELECT count(*) FROM audit_personal p JOIN audit_log l ON l.id = p.audit_id
		WHERE l.target = 'answer:' || $1::text`, answerID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n == 1
}

func mustVerify(t *testing.T, db audit.DB) audit.Result {
	t.Helper()
	res, err := audit.Verify(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	if !res.OK {
		t.Fatalf("chain broken: %+v", res.FirstBad)
	}
	return res
}

// TestRetentionRemovesExactlyWhatIsDue: records older than 30 days are
// deleted or pseudonymised, younger ones are untouched, the run is in the
// trail, and a second run finds nothing.
func TestRetentionRemovesExactlyWhatIsDue(t *testing.T) {
	for _, action := range []string{privacy.ActionDelete, privacy.ActionPseudonymise} {
		t.Run(action, func(t *testing.T) {
			w := newWorld(t)
			s := w.service(t, action)
			ctx := context.Background()
			res, err := s.RunRetention(ctx, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			if res.Answers != 2 || res.Conversations != 1 || len(res.PersonalRemoved) != 2 {
				t.Errorf("result = %+v, want 2 answers, 1 conversation, 2 audit events emptied", res)
			}
			pseud, _ := s.Pseudonym(ctx, "alice")
			for _, id := range []int64{w.oldAns, w.oldInActive} {
				a, ok := w.answer(t, id)
				switch {
				case action == privacy.ActionDelete && ok:
					t.Errorf("answer %d is due but still there: %+v", id, a)
				case action == privacy.ActionPseudonymise && (!ok || a.User != pseud || a.Question != "" || !a.Pseudonymised):
					t.Errorf("answer %d = %+v (exists %v), want pseudonymised as %s", id, a, ok, pseud)
				}
				if w.answerEventPersonal(t, id) {
					t.Errorf("the audit event of answer %d still holds the question", id)
				}
			}
			for _, id := range []int64{w.newAns, w.bobAns} {
				if a, ok := w.answer(t, id); !ok || a.Pseudonymised || a.Question == "" || a.User == pseud {
					t.Errorf("answer %d is not due but was changed: %+v (exists %v)", id, a, ok)
				}
				if !w.answerEventPersonal(t, id) {
					t.Errorf("the audit event of answer %d lost its personal part", id)
				}
			}
			if _, err := w.st.Conversation(ctx, w.activeConv, "alice"); err != nil {
				t.Errorf("the active conversation is gone for alice: %v", err)
			}
			if _, err := w.st.Conversation(ctx, w.oldConv, "alice"); err == nil {
				t.Error("the old conversation is still alice's")
			}
			mustVerify(t, w.tx)
			runs, err := audit.Search(ctx, w.tx, audit.Filter{Action: audit.ActionRetentionRun}, 0, 10)
			if err != nil || len(runs) != 1 {
				t.Fatalf("retention.run events = %v, %v", runs, err)
			}
			again, err := s.RunRetention(ctx, time.Now())
			if err != nil || again.Answers != 0 || again.Conversations != 0 || len(again.PersonalRemoved) != 0 {
				t.Errorf("second run = %+v, %v; want nothing left to do", again, err)
			}
		})
	}
}

// TestSubjectExportAndErase: an export holds the user's conversations,
// answers (pseudonymised ones too) and audit events; an erasure removes
// them, leaves other users alone, and the audit chain still verifies.
func TestSubjectExportAndErase(t *testing.T) {
	w := newWorld(t)
	s := w.service(t, privacy.ActionPseudonymise)
	if _, err := s.RunRetention(context.Background(), time.Now()); err != nil {
		t.Fatal(err)
	}
	ctx := auth.NewContext(context.Background(), auth.User{Name: "dpo", Groups: []string{auth.GroupAdmin}})
	// Events naming alice by pseudonym belong to her export too, once
	// each, even one naming her both ways.
	pseud, err := s.Pseudonym(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	both, err := audit.Append(ctx, w.tx, audit.Event{Action: "test.both", Target: "x:1", Actor: "alice", Subject: pseud})
	if err != nil {
		t.Fatal(err)
	}
	byPseud, err := audit.Append(ctx, w.tx, audit.Event{Action: "test.pseudonym", Target: "x:2", Actor: pseud})
	if err != nil {
		t.Fatal(err)
	}
	ex, err := s.ExportSubject(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int64]int{}
	for i, e := range ex.Audit {
		seen[e.ID]++
		if i > 0 && e.ID <= ex.Audit[i-1].ID {
			t.Errorf("export's audit events out of order at %d: %d after %d", i, e.ID, ex.Audit[i-1].ID)
		}
	}
	if seen[both.ID] != 1 || seen[byPseud.ID] != 1 {
		t.Errorf("export lists event %d (alice and her pseudonym) %d times and %d (pseudonym) %d times, want once each", both.ID, seen[both.ID], byPseud.ID, seen[byPseud.ID])
	}
	var convs, answers []map[string]any
	if err := json.Unmarshal(ex.Conversations, &convs); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(ex.Answers, &answers); err != nil {
		t.Fatal(err)
	}
	if len(convs) != 2 || len(answers) != 3 {
		t.Errorf("export has %d conversations and %d answers, want 2 and 3 (pseudonymised included)", len(convs), len(answers))
	}
	var asked int
	for _, e := range ex.Audit {
		if e.Action == audit.ActionAnswerCreated && e.Actor == "alice" {
			asked++
		}
	}
	if asked != 1 { // the two older answers' events expired with retention
		t.Errorf("export lists %d answer events by alice, want 1: %+v", asked, ex.Audit)
	}

	er, err := s.EraseSubject(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if er.Answers != 3 || er.Conversations != 2 || len(er.PersonalRemoved) < 2 {
		t.Errorf("erasure = %+v", er)
	}
	for _, id := range []int64{w.oldAns, w.oldInActive, w.newAns} {
		if _, ok := w.answer(t, id); ok {
			t.Errorf("answer %d survived the erasure", id)
		}
	}
	if _, ok := w.answer(t, w.bobAns); !ok || !w.answerEventPersonal(t, w.bobAns) {
		t.Error("bob's answer went with alice's erasure")
	}
	res := mustVerify(t, w.tx)
	if res.Erased < 3 {
		t.Errorf("verify counts %d erased rows, want at least 3", res.Erased)
	}
	var n int
	if err := w.tx.QueryRow(ctx, "SELECT count(*) FROM audit_personal WHERE actor = 'alice' OR subject = 'alice' OR data::text LIKE '%Maier%'").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d audit personal rows still name alice or her questions", n)
	}
	erased, err := audit.Search(ctx, w.tx, audit.Filter{Action: audit.ActionSubjectErased}, 0, 1)
	if err != nil || len(erased) != 1 || erased[0].Target != "subject:"+er.Pseudonym || erased[0].Personal.Actor != "dpo" {
		t.Fatalf("subject.erased event = %+v, %v", erased, err)
	}
	after, err := s.ExportSubject(ctx, "alice")
	if err != nil || jsonLen(after.Answers) != 0 || jsonLen(after.Conversations) != 0 {
		t.Errorf("export after erasure = %+v, %v; want nothing", after, err)
	}
	for _, e := range after.Audit { // the records of her request stay, naming her by pseudonym
		if !audit.OnLegalHold(e.Action) || e.Subject != er.Pseudonym {
			t.Errorf("export after erasure lists %+v; want only events on legal hold, naming her by pseudonym", e)
		}
	}
}

func jsonLen(raw json.RawMessage) int {
	var v []any
	_ = json.Unmarshal(raw, &v)
	return len(v)
}
