package privacy_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/civitas-eu/civitas/internal/audit"
	"github.com/civitas-eu/civitas/internal/auth"
	"github.com/civitas-eu/civitas/internal/privacy"
)

// TestSubjectSignInData: a user's sessions and API keys are in their
// export (without token or key hashes) and go with their erasure, which
// signs them out and stops their keys; other users' sessions and keys
// stay, and a key the erased user issued to someone else names them only
// by pseudonym.
func TestSubjectSignInData(t *testing.T) {
	w := newWorld(t)
	s := w.service(t, privacy.ActionPseudonymise)
	ctx := auth.NewContext(context.Background(), auth.User{Name: "dpo", Groups: []string{auth.GroupAdmin}})
	now := time.Now()
	session := func(user string) []byte {
		h := auth.Hash(user + "-session-" + now.String())
		err := w.st.CreateSession(ctx, auth.Session{TokenHash: h, User: user, Groups: []string{"staff"}, Subject: "sub-" + user, CreatedAt: now},
			now.Add(-time.Hour), now.Add(-24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	key := func(user, by, name string) (string, auth.APIKey) {
		secret, k := auth.NewAPIKey()
		k.User, k.Groups, k.Name, k.CreatedBy = user, []string{"staff"}, name, by
		k, err := w.st.CreateAPIKey(ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		return secret, k
	}
	aliceSession, bobSession := session("alice"), session("bob")
	_, aliceKey := key("alice", "root", "alice's laptop")
	_, bobKey := key("bob", "alice", "bob's script") // alice is an admin too
	if err := w.st.RevokeAPIKey(ctx, aliceKey.ID, "root"); err != nil {
		t.Fatal(err)
	}
	_, aliceKey2 := key("alice", "root", "alice's second key")

	ex, err := s.ExportSubject(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(ex)
	for _, secret := range []string{"hash", "token", "key_hash"} {
		if strings.Contains(string(raw), `"`+secret+`"`) {
			t.Errorf("export has a %q field: %s", secret, raw)
		}
	}
	var keys []struct {
		ID        int64      `json:"id"`
		Prefix    string     `json:"prefix"`
		Name      string     `json:"name"`
		RevokedAt *time.Time `json:"revoked_at"`
	}
	if err := json.Unmarshal(ex.APIKeys, &keys); err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 || keys[0].ID != aliceKey.ID || keys[0].RevokedAt == nil || keys[1].Name != "alice's second key" || keys[1].Prefix != aliceKey2.Prefix {
		t.Errorf("exported keys %+v, want alice's revoked and her active key", keys)
	}
	var sessions []struct {
		Subject    string    `json:"subject"`
		CreatedAt  time.Time `json:"created_at"`
		LastSeenAt time.Time `json:"last_seen_at"`
	}
	if err := json.Unmarshal(ex.Sessions, &sessions); err != nil {
		t.Fatal(err)
	}
	if len(sessions) != 1 || sessions[0].Subject != "sub-alice" || sessions[0].CreatedAt.IsZero() || sessions[0].LastSeenAt.IsZero() {
		t.Errorf("exported sessions %+v, want alice's one", sessions)
	}

	er, err := s.EraseSubject(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if er.Sessions != 1 || er.APIKeys != 2 {
		t.Errorf("erasure removed %d sessions and %d keys, want 1 and 2", er.Sessions, er.APIKeys)
	}
	if _, found, err := w.st.Session(ctx, aliceSession); err != nil || found {
		t.Errorf("alice's session survived the erasure (%v)", err)
	}
	if _, found, err := w.st.APIKeyByHash(ctx, aliceKey2.Hash); err != nil || found {
		t.Errorf("alice's key survived the erasure (%v)", err)
	}
	if _, found, err := w.st.Session(ctx, bobSession); err != nil || !found {
		t.Errorf("bob's session went with alice's erasure (%v)", err)
	}
	b, found, err := w.st.APIKeyByHash(ctx, bobKey.Hash)
	if err != nil || !found || b.CreatedBy != er.Pseudonym {
		t.Errorf("bob's key %+v (found %v, %v): want it kept, issued by %s", b, found, err, er.Pseudonym)
	}
	var named int
	if err := w.tx.QueryRow(ctx, "SELECT count(*) FROM api_keys WHERE 'alice' IN (user_name, created_by, coalesce(revoked_by, ''))").Scan(&named); err != nil {
		t.Fatal(err)
	}
	if named != 0 {
		t.Errorf("%d API keys still name alice", named)
	}
	mustVerify(t, w.tx)
	erased, err := audit.Search(ctx, w.tx, audit.Filter{Action: audit.ActionSubjectErased}, 0, 1)
	if err != nil || len(erased) != 1 || !strings.Contains(string(erased[0].Details), `"api_keys":2`) || !strings.Contains(string(erased[0].Details), `"sessions":1`) {
		t.Errorf("subject.erased event %+v (%v) does not count the keys and sessions", erased, err)
	}
}
