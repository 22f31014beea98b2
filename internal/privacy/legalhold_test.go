package privacy_test

import (
	"context"
	"errors"
	"testing"

	"github.com/civitas-eu/civitas/internal/audit"
	"github.com/civitas-eu/civitas/internal/auth"
	"github.com/civitas-eu/civitas/internal/privacy"
)

// TestErasureKeepsAdminActor: erasing an administrator removes their own
// use of the assistant (their questions) but keeps them named as the
// actor of their admin and security events, which are on legal hold; the
// chain still verifies.
func TestErasureKeepsAdminActor(t *testing.T) {
	w := newWorld(t)
	s := w.service(t, privacy.ActionPseudonymise)
	ctx := context.Background()
	held := map[int64]string{}
	for _, e := range []audit.Event{
		{Action: audit.ActionAPIKeyIssued, Target: "apikey:7", Actor: "alice", Subject: "bob"},
		{Action: audit.ActionModelChanged, Target: "model:chat", Actor: "alice"},
		{Action: audit.ActionAuditExported, Target: "audit", Actor: "alice"},
		{Action: audit.ActionDocumentDeleted, Target: "document:3", Actor: "alice"},
	} {
		r, err := audit.Append(ctx, w.tx, e)
		if err != nil {
			t.Fatal(err)
		}
		held[r.ID] = e.Action
	}
	dpo := auth.NewContext(ctx, auth.User{Name: "dpo", Groups: []string{auth.GroupAdmin}})
	er, err := s.EraseSubject(dpo, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if len(er.PersonalKept) != len(held) {
		t.Errorf("erasure kept %v, want the %d events on legal hold", er.PersonalKept, len(held))
	}
	for id, action := range held {
		var actor string
		if err := w.tx.QueryRow(ctx, "SELECT actor FROM audit_personal WHERE audit_id = $1", id).Scan(&actor); err != nil || actor != "alice" {
			t.Errorf("%s event %d: actor %q (%v), want alice kept", action, id, actor, err)
		}
	}
	for _, id := range []int64{w.oldAns, w.oldInActive, w.newAns} {
		if w.answerEventPersonal(t, id) {
			t.Errorf("the question of answer %d survived the erasure", id)
		}
	}
	if len(er.PersonalRemoved) == 0 {
		t.Error("erasure emptied no audit events")
	}
	mustVerify(t, w.tx)
}

// TestAdminCannotEraseSelf: an administrator cannot erase their own
// data, under their name or their pseudonym, nor from the command line as
// the operating-system user of that name; another administrator can.
func TestAdminCannotEraseSelf(t *testing.T) {
	w := newWorld(t)
	s := w.service(t, privacy.ActionPseudonymise)
	ctx := context.Background()
	pseud, err := s.Pseudonym(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	for _, actx := range []context.Context{
		auth.NewContext(ctx, auth.User{Name: "alice", Groups: []string{auth.GroupAdmin}}),
		audit.WithActor(ctx, pseud),
		audit.WithActor(ctx, audit.CommandActor("cli", func(string) string { return "alice" })),
	} {
		if _, err := s.EraseSubject(actx, "alice"); !errors.Is(err, privacy.ErrSelfErasure) {
			t.Errorf("self-erasure as %s: err = %v, want ErrSelfErasure", audit.ActorFrom(actx), err)
		}
	}
	if _, ok := w.answer(t, w.newAns); !ok {
		t.Fatal("a refused self-erasure erased")
	}
	if _, err := s.EraseSubject(auth.NewContext(ctx, auth.User{Name: "bob", Groups: []string{auth.GroupAdmin}}), "alice"); err != nil {
		t.Fatalf("erasure by another admin: %v", err)
	}
	mustVerify(t, w.tx)
}

// TestAdminCannotEraseOwnPseudonym reproduces finding F4: an admin naming
// their own pseudonym as the subject ("pseud-…" of alice, erased as
// alice) got round the self-erasure check and deleted the rows kept under
// it. Another admin's pseudonym is still erasable.
func TestAdminCannotEraseOwnPseudonym(t *testing.T) {
	w := newWorld(t)
	s := w.service(t, privacy.ActionPseudonymise)
	ctx := context.Background()
	own, err := s.Pseudonym(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	for _, actx := range []context.Context{
		auth.NewContext(ctx, auth.User{Name: "alice", Groups: []string{"admin"}}),
		audit.WithActor(ctx, audit.CommandActor("cli", func(string) string { return "alice" })),
	} {
		if _, err := s.EraseSubject(actx, own); !errors.Is(err, privacy.ErrSelfErasure) {
			t.Errorf("erasing their own pseudonym as %s: err = %v, want ErrSelfErasure", audit.ActorFrom(actx), err)
		}
	}
	if _, ok := w.answer(t, w.newAns); !ok {
		t.Fatal("a refused self-erasure erased")
	}
	other, err := s.Pseudonym(ctx, "bob")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.EraseSubject(auth.NewContext(ctx, auth.User{Name: "alice", Groups: []string{"admin"}}), other); err != nil {
		t.Errorf("erasing another person's pseudonym: %v", err)
	}
	mustVerify(t, w.tx)
}
