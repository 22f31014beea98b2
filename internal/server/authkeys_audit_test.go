package server_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/civitas-eu/civitas/internal/audit"
)

// Issuing and revoking an API key are admin actions on record: the
// auditor finds both, with the admin as actor and the key's owner as
// subject; revoking a revoked key records nothing more.
func TestAPIKeyEventsInTheAuditTrail(t *testing.T) {
	b := setup(t, setupOpts{})
	owner, admin := "svc-"+b.collection, "root-"+b.collection
	resp, body := request(t, "POST", b.url+"/api/admin/apikeys", admin, []string{"admin"}, `{"user":"`+owner+`","groups":["bauamt"],"name":"Fachverfahren"}`, nil)

	var k issuedKey
	if resp.StatusCode != 201 || json.Unmarshal(body, &k) != nil {
		t.Fatalf("issue: %d %s", resp.StatusCode, body)
	}
	for range 2 {
		if resp, body := request(t, "DELETE", b.url+"/api/admin/apikeys/"+fmtID(k.APIKey.ID), admin, []string{"admin"}, nil, nil); resp.StatusCode != 204 {
			t.Fatalf("revoke: %d %s", resp.StatusCode, body)
		}
	}

	resp, body = request(t, "GET", b.url+"/api/audit?action=admin.apikey.&actor="+admin, "aud", []string{"auditor"}, nil, nil)
	var page struct {
		Events []audit.Entry `json:"events"`
	}
	if resp.StatusCode != 200 || json.Unmarshal(body, &page) != nil {
		t.Fatalf("GET /api/audit: %d %s", resp.StatusCode, body)
	}
	want := []string{audit.ActionAPIKeyRevoked, audit.ActionAPIKeyIssued} // newest first
	if len(page.Events) != len(want) {
		t.Fatalf("%d API key events, want %d: %s", len(page.Events), len(want), body)
	}
	for i, e := range page.Events {
		var d struct {
			ID     int64    `json:"api_key_id"`
			Prefix string   `json:"prefix"`
			Groups []string `json:"groups"`
		}
		if err := json.Unmarshal(e.Details, &d); err != nil {
			t.Fatal(err)
		}
		if e.Action != want[i] || e.Target != "apikey:"+fmtID(k.APIKey.ID) || e.Actor == nil || *e.Actor != admin ||
			e.Subject != owner || d.ID != k.APIKey.ID || d.Prefix != k.APIKey.Prefix {
			t.Errorf("event %d = %+v (details %+v), want %s of key %d by %s for %s", i, e, d, want[i], k.APIKey.ID, admin, owner)
		}
		if strings.Contains(string(e.Details), "Fachverfahren") || strings.Contains(string(e.Details), owner) {
			t.Errorf("the unerasable details name the key or its owner: %s", e.Details)
		}
	}
	if !strings.Contains(string(page.Events[1].Personal), "Fachverfahren") ||
		!strings.Contains(string(page.Events[1].Details), "bauamt") {
		t.Errorf("issue event: personal %s, details %s; want the key's name and groups", page.Events[1].Personal, page.Events[1].Details)
	}
	resp, body = request(t, "GET", b.url+"/api/audit/verify", "aud", []string{"auditor"}, nil, nil)
	var res audit.Result
	if resp.StatusCode != 200 || json.Unmarshal(body, &res) != nil || !res.OK {
		t.Errorf("verify after key events: %d %s", resp.StatusCode, body)
	}
}
