package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/civitas-eu/civitas/internal/audit"
	"github.com/civitas-eu/civitas/internal/auth"
	"github.com/civitas-eu/civitas/internal/dbtest"
)

// TestAPIUnderRestrictedRole runs the API on a pool that is the
// restricted application role (`assistant migrate --grant-app-role`):
// ingest (a new embedding model's partition included), chat, the audit
// trail's reads, a data subject's erasure and a document upload through
// the job queue all work, while DDL and rewriting the audit trail are
// refused by the database with SQLSTATE 42501.
func TestAPIUnderRestrictedRole(t *testing.T) {
	db := dbtest.AppRole(t, nil)
	b := setup(t, setupOpts{pool: db.Pool})
	b.ingestFiles(t, nil, map[string]string{"bewohnerparken.md": parkingDoc})

	asker := "asker-" + b.collection
	question := "Was kostet ein Bewohnerparkausweis für zwölf Monate?"
	if resp, events := b.ask(t, asker, nil, map[string]any{"question": question}); resp.StatusCode != 200 || len(events) == 0 || events[len(events)-1].Event != "done" {
		t.Fatalf("chat as the app role: %d %v", resp.StatusCode, events)
	}
	auditor := []string{"auditor"}
	resp, body := request(t, "GET", b.url+"/api/audit?action=answer.created&actor="+url.QueryEscape(asker), "aud", auditor, nil, nil)
	if resp.StatusCode != 200 || !strings.Contains(string(body), question) {
		t.Fatalf("audit read as the app role: %d %s", resp.StatusCode, body)
	}
	resp, body = request(t, "POST", b.url+"/api/admin/subjects/"+url.PathEscape(asker)+"/erase", "dpo", []string{"admin"}, nil, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("erasure as the app role: %d %s", resp.StatusCode, body)
	}
	resp, body = request(t, "GET", b.url+"/api/audit/verify", "aud", auditor, nil, nil)
	var v audit.Result
	if resp.StatusCode != 200 || json.Unmarshal(body, &v) != nil || !v.OK || v.Erased == 0 {
		t.Errorf("verify as the app role after erasure: %d %s", resp.StatusCode, body)
	}

	lib := setupLibraryOn(t, db.Pool, 0, 0, auth.Config{})
	lib.startWorker()
	if status, body := lib.upload(t, km, formField("collection", lib.collection), file("notiz.md", []byte("# Notiz\n\nDas Bürgerbüro öffnet um acht.\n"))); status != http.StatusAccepted {
		t.Fatalf("upload as the app role: %d %v", status, body)
	}
	if l := lib.waitJobs(t, 1); l.Jobs[0].Status != "done" || len(l.Documents) != 1 {
		t.Errorf("upload job as the app role: %+v", l)
	}

	for _, sql := range []string{
		"CREATE TABLE scratch (id int)",
		"DROP TABLE documents",
		"ALTER TABLE answers ADD COLUMN x int",
		"UPDATE audit_log SET action = 'rewritten'",
		"DELETE FROM audit_log",
		"UPDATE audit_personal SET actor = 'mallory'",
	} {
		_, err := db.Pool.Exec(context.Background(), sql)
		if pgErr := (*pgconn.PgError)(nil); !errors.As(err, &pgErr) || pgErr.Code != "42501" {
			t.Errorf("%s as the app role: error %v, want SQLSTATE 42501", sql, err)
		}
	}
}
