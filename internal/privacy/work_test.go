package privacy_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/civitas-eu/civitas/internal/auth"
	"github.com/civitas-eu/civitas/internal/privacy"
)

// job inserts a job row of kind, status, creator and args, finished age ago
// when its status is final; it returns its id.
func (w world) job(t *testing.T, status, by, args string, age time.Duration) int64 {
	t.Helper()
	var id int64
	err := w.tx.QueryRow(context.Background(), `INSERT INTO jobs (kind, status, created_by, args, created_at, updated_at, finished_at)
		VALUES ('test', $1, $2, $3::jsonb, now() - $4::interval, now() - $4::interval,
		        CASE WHEN $1 IN ('done', 'failed', 'cancelled') THEN now() - $4::interval END)
		RETURNING id`, status, by, args, age.String()).Scan(&id)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// TestSubjectJobsAndModelChanges: the background jobs a user started or
// that name them, and the model switches they made, are in their export;
// erasing them keeps those rows (others need them) but names the user by
// pseudonym only, and leaves other users' rows alone.
func TestSubjectJobsAndModelChanges(t *testing.T) {
	w := newWorld(t)
	s := w.service(t, privacy.ActionPseudonymise)
	ctx := auth.NewContext(context.Background(), auth.User{Name: "dpo", Groups: []string{auth.GroupAdmin}})
	upload := w.job(t, "done", "alice", `{"file": "a.pdf"}`, time.Hour)
	reembed := w.job(t, "running", "alice", `{"model": "m", "by": "alice"}`, 0)
	bobs := w.job(t, "queued", "bob", `{"model": "m", "by": "bob"}`, 0)
	w.exec(t, `INSERT INTO model_changes (changed_by, role, to_model) VALUES ('alice', 'chat', 'a'), ('bob', 'chat', 'b')`)
	w.exec(t, `INSERT INTO active_models (role, model, changed_by) VALUES ('chat', 'a', 'alice'), ('embed', 'e', 'bob')`)

	ex, err := s.ExportSubject(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		raw  json.RawMessage
		want int
	}{{"jobs", ex.Jobs, 2}, {"model changes", ex.ModelChanges, 1}, {"active models", ex.ActiveModels, 1}} {
		if got := jsonLen(tc.raw); got != tc.want {
			t.Errorf("export has %d %s, want %d: %s", got, tc.name, tc.want, tc.raw)
		}
	}

	er, err := s.EraseSubject(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if er.Jobs != 2 || er.ModelChanges != 1 || er.ActiveModels != 1 {
		t.Errorf("erasure = %+v, want 2 jobs, 1 model change, 1 active model pseudonymised", er)
	}
	pseud := er.Pseudonym
	for _, tc := range []struct {
		name, query string
		args        []any
		want        string
	}{
		{"upload job creator", "SELECT created_by FROM jobs WHERE id = $1", []any{upload}, pseud},
		{"re-embed job creator", "SELECT created_by FROM jobs WHERE id = $1", []any{reembed}, pseud},
		{"re-embed job's by", "SELECT args->>'by' FROM jobs WHERE id = $1", []any{reembed}, pseud},
		{"re-embed job's model", "SELECT args->>'model' FROM jobs WHERE id = $1", []any{reembed}, "m"},
		{"bob's job creator", "SELECT created_by FROM jobs WHERE id = $1", []any{bobs}, "bob"},
		{"bob's job's by", "SELECT args->>'by' FROM jobs WHERE id = $1", []any{bobs}, "bob"},
		{"alice's model change", "SELECT changed_by FROM model_changes WHERE to_model = $1", []any{"a"}, pseud},
		{"bob's model change", "SELECT changed_by FROM model_changes WHERE to_model = $1", []any{"b"}, "bob"},
		{"active chat model", "SELECT changed_by FROM active_models WHERE role = $1", []any{"chat"}, pseud},
		{"active embed model", "SELECT changed_by FROM active_models WHERE role = $1", []any{"embed"}, "bob"},
	} {
		var got string
		if err := w.tx.QueryRow(ctx, tc.query, tc.args...).Scan(&got); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got != tc.want {
			t.Errorf("%s = %q, want %q", tc.name, got, tc.want)
		}
	}
	// The pseudonymised rows are still the person's: a later export finds them.
	after, err := s.ExportSubject(ctx, "alice")
	if err != nil || jsonLen(after.Jobs) != 2 || jsonLen(after.ModelChanges) != 1 {
		t.Errorf("export after erasure: %d jobs, %d model changes, %v; want 2 and 1 under the pseudonym",
			jsonLen(after.Jobs), jsonLen(after.ModelChanges), err)
	}
	mustVerify(t, w.tx)
}

// TestRetentionDeletesOldFinishedJobs: a retention run deletes finished
// jobs older than the retention period, whatever the action, and keeps
// younger ones and any job still queued or running.
func TestRetentionDeletesOldFinishedJobs(t *testing.T) {
	day := 24 * time.Hour
	for _, action := range []string{privacy.ActionDelete, privacy.ActionPseudonymise} {
		t.Run(action, func(t *testing.T) {
			w := newWorld(t)
			s := w.service(t, action)
			kept := map[int64]string{}
			gone := map[int64]string{}
			for _, status := range []string{"done", "failed", "cancelled"} {
				gone[w.job(t, status, "alice", `{}`, 31*day)] = "old " + status
				kept[w.job(t, status, "alice", `{}`, 29*day)] = "young " + status
			}
			for _, status := range []string{"queued", "running"} {
				kept[w.job(t, status, "alice", `{}`, 31*day)] = "old " + status
			}
			res, err := s.RunRetention(context.Background(), time.Now())
			if err != nil {
				t.Fatal(err)
			}
			if res.Jobs != int64(len(gone)) {
				t.Errorf("result counts %d jobs deleted, want %d", res.Jobs, len(gone))
			}
			for ids, want := range map[*map[int64]string]bool{&kept: true, &gone: false} {
				for id, what := range *ids {
					var exists bool
					if err := w.tx.QueryRow(context.Background(), "SELECT EXISTS (SELECT FROM jobs WHERE id = $1)", id).Scan(&exists); err != nil {
						t.Fatal(err)
					}
					if exists != want {
						t.Errorf("%s job: exists = %v, want %v", what, exists, want)
					}
				}
			}
			mustVerify(t, w.tx)
		})
	}
}
