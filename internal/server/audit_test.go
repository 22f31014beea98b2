package server_test

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/civitas-eu/civitas/internal/audit"
)

// TestAuditAndSubjectAPIsNeedTheirGroup: the trail is for auditors, data-
// subject requests for admins; everybody else gets 403.
func TestAuditAndSubjectAPIsNeedTheirGroup(t *testing.T) {
	b := setup(t, setupOpts{})
	cases := []struct {
		method, path string
		group        string
	}{
		{"GET", "/api/audit", "auditor"},
		{"POST", "/api/audit/export?format=csv", "auditor"},
		{"GET", "/api/audit/verify", "auditor"},
		{"POST", "/api/admin/subjects/nobody-" + b.collection + "/export", "admin"},
		{"POST", "/api/admin/subjects/nobody-" + b.collection + "/erase", "admin"},
	}
	for _, c := range cases {
		t.Run(c.method+" "+c.path, func(t *testing.T) {
			for _, groups := range [][]string{nil, {"staff"}, {"knowledge-manager"}, {map[string]string{"auditor": "admin", "admin": "auditor"}[c.group]}} {
				if resp, body := request(t, c.method, b.url+c.path, "someone", groups, nil, nil); resp.StatusCode != http.StatusForbidden {
					t.Errorf("as %v: %d %s, want 403", groups, resp.StatusCode, body)
				}
			}
			if resp, body := request(t, c.method, b.url+c.path, "someone", []string{"staff", c.group}, nil, nil); resp.StatusCode != http.StatusOK {
				t.Errorf("as %s: %d %s, want 200", c.group, resp.StatusCode, body)
			}
		})
	}
}

// TestAnswersAreInTheAuditTrail asks a question through the API and finds
// its answer.created event, with provenance, through the auditor API and
// in a CSV export; then the asker's data is exported and erased by an
// admin and the chain still verifies.
func TestAnswersAreInTheAuditTrail(t *testing.T) {
	b := setup(t, setupOpts{})
	b.ingestFiles(t, nil, map[string]string{"bewohnerparken.md": parkingDoc})
	asker := "asker-" + b.collection
	question := "Was kostet ein Bewohnerparkausweis für zwölf Monate?"
	if resp, events := b.ask(t, asker, nil, map[string]any{"question": question}); resp.StatusCode != 200 || len(events) == 0 {
		t.Fatalf("chat: %d %v", resp.StatusCode, events)
	}
	auditor := []string{"auditor"}
	resp, body := request(t, "GET", b.url+"/api/audit?action=answer.created&actor="+url.QueryEscape(asker), "aud", auditor, nil, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("GET /api/audit: %d %s", resp.StatusCode, body)
	}
	var page struct {
		Events []audit.Entry `json:"events"`
	}
	if err := json.Unmarshal(body, &page); err != nil || len(page.Events) != 1 {
		t.Fatalf("events = %s (%v)", body, err)
	}
	ev := page.Events[0]
	var d struct {
		AnswerID int64 `json:"answer_id"`
		Passages []struct {
			DocumentVersion int    `json:"document_version"`
			Source          string `json:"source_uri"`
		}
		ChatModel     string `json:"chat_model"`
		ChatDigest    string `json:"chat_digest"`
		EmbedModel    string `json:"embed_model"`
		EmbedDigest   string `json:"embed_digest"`
		PromptVersion string `json:"prompt_version"`
	}
	var personal map[string]string
	if err := json.Unmarshal(ev.Details, &d); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(ev.Personal, &personal); err != nil {
		t.Fatal(err)
	}
	if d.AnswerID == 0 || len(d.Passages) == 0 || d.Passages[0].DocumentVersion != 1 || !strings.HasSuffix(d.Passages[0].Source, "bewohnerparken.md") ||
		d.ChatModel != b.chatModel || d.ChatDigest == "" || d.EmbedModel != b.embedModel || d.PromptVersion == "" ||
		*ev.Actor != asker || personal["question"] != question {
		t.Errorf("answer.created = %+v\ndetails %s\npersonal %s", ev, ev.Details, ev.Personal)
	}

	resp, body = request(t, "POST", b.url+"/api/audit/export?format=csv&actor="+url.QueryEscape(asker), "aud", auditor, nil, nil)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("export: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	rows, err := csv.NewReader(strings.NewReader(string(body))).ReadAll()
	if err != nil {
		t.Fatalf("CSV export does not parse: %v\n%s", err, body)
	}
	if len(rows) != 2 || rows[1][2] != audit.ActionAnswerCreated || rows[1][5] != asker || !strings.Contains(rows[1][7], "Bewohnerparkausweis") {
		t.Errorf("CSV export = %v", rows)
	}

	admin := []string{"admin"}
	resp, body = request(t, "POST", b.url+"/api/admin/subjects/"+url.PathEscape(asker)+"/export", "dpo", admin, nil, nil)
	var ex struct {
		User    string            `json:"user"`
		Answers []json.RawMessage `json:"answers"`
		Audit   []json.RawMessage `json:"audit"`
	}
	if resp.StatusCode != 200 || json.Unmarshal(body, &ex) != nil || ex.User != asker || len(ex.Answers) != 1 || len(ex.Audit) == 0 {
		t.Fatalf("subject export: %d %s", resp.StatusCode, body)
	}
	resp, body = request(t, "POST", b.url+"/api/admin/subjects/"+url.PathEscape(asker)+"/erase", "dpo", admin, nil, nil)
	var er struct {
		Answers int64 `json:"answers"`
	}
	if resp.StatusCode != 200 || json.Unmarshal(body, &er) != nil || er.Answers != 1 {
		t.Fatalf("subject erase: %d %s", resp.StatusCode, body)
	}
	resp, body = request(t, "GET", b.url+"/api/audit?actor="+url.QueryEscape(asker), "aud", auditor, nil, nil)
	if resp.StatusCode != 200 || strings.Contains(string(body), question) {
		t.Errorf("after erasure the trail still shows the question: %s", body)
	}
	resp, body = request(t, "GET", b.url+"/api/audit/verify", "aud", auditor, nil, nil)
	var v audit.Result
	if resp.StatusCode != 200 || json.Unmarshal(body, &v) != nil || !v.OK || v.Erased == 0 {
		t.Errorf("verify after erasure: %d %s", resp.StatusCode, body)
	}
}

// TestAbout: the transparency notice names the model in force and lists
// only the collections the caller can see.
func TestAbout(t *testing.T) {
	b := setup(t, setupOpts{})
	b.ingestFiles(t, []string{"bauamt-" + b.collection}, map[string]string{"vermerk.md": "# Vermerk\n\nNur für das Bauamt.\n"})
	var about struct {
		Models struct {
			Chat, ChatDigest, Embed string
		} `json:"models"`
		Collections []struct {
			Name      string `json:"name"`
			Documents int    `json:"documents"`
		} `json:"collections"`
		Notice string `json:"notice"`
	}
	count := func(groups []string) int {
		t.Helper()
		resp, body := request(t, "GET", b.url+"/api/about", "someone", groups, nil, nil)
		if resp.StatusCode != 200 {
			t.Fatalf("/api/about: %d %s", resp.StatusCode, body)
		}
		if err := json.Unmarshal(body, &about); err != nil {
			t.Fatal(err)
		}
		for _, c := range about.Collections {
			if c.Name == b.collection {
				return c.Documents
			}
		}
		return 0
	}
	if n := count([]string{"bauamt-" + b.collection}); n != 1 {
		t.Errorf("a member sees %d documents in %s, want 1", n, b.collection)
	}
	if about.Models.Chat != b.chatModel || about.Models.Embed != b.embedModel || !strings.Contains(about.Notice, "AI-generated") {
		t.Errorf("about = %+v", about)
	}
	if n := count([]string{"staff"}); n != 0 {
		t.Errorf("a non-member sees the restricted collection (%d documents)", n)
	}
}

// TestAuditExportIsPostAndGuarded: the exports append to the audit trail,
// so they are POSTs behind the cross-origin guard: a GET (a link or an
// <img> on another site) records nothing, and a cross-site POST is
// refused before it records anything.
func TestAuditExportIsPostAndGuarded(t *testing.T) {
	b := setup(t, setupOpts{})
	subject := "subject-" + b.collection
	count := func(action, target string) int {
		t.Helper()
		resp, body := request(t, "GET", b.url+"/api/audit?limit=1000&action="+action, "aud", []string{"auditor"}, nil, nil)
		if resp.StatusCode != 200 {
			t.Fatalf("GET /api/audit: %d %s", resp.StatusCode, body)
		}
		var page struct {
			Events []audit.Entry `json:"events"`
		}
		if err := json.Unmarshal(body, &page); err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range page.Events {
			if target == "" || strings.HasPrefix(e.Target, target) || e.Subject == subject {
				n++
			}
		}
		return n
	}
	cases := []struct {
		name, path, group, action, target string
	}{
		{"audit export", "/api/audit/export?format=csv&actor=nobody-" + b.collection, "auditor", audit.ActionAuditExported, ""},
		{"subject export", "/api/admin/subjects/" + subject + "/export", "admin", audit.ActionSubjectExported, "subject:"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := count(c.action, c.target)
			refused := []struct {
				method  string
				headers map[string]string
				status  int
			}{
				{"GET", nil, http.StatusMethodNotAllowed},
				{"POST", map[string]string{"Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
				{"POST", map[string]string{"Origin": "https://evil.example"}, http.StatusForbidden},
			}
			for _, r := range refused {
				if resp, body := request(t, r.method, b.url+c.path, "someone", []string{c.group}, nil, r.headers); resp.StatusCode != r.status {
					t.Errorf("%s %v: %d %s, want %d", r.method, r.headers, resp.StatusCode, body, r.status)
				}
			}
			if n := count(c.action, c.target); n != before {
				t.Fatalf("refused requests recorded %d %s events", n-before, c.action)
			}
			resp, body := request(t, "POST", b.url+c.path, "someone", []string{c.group}, nil, map[string]string{"Sec-Fetch-Site": "same-origin"})
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("same-origin POST: %d %s", resp.StatusCode, body)
			}
			if n := count(c.action, c.target); n != before+1 {
				t.Errorf("%d %s events after the export, want %d", n, c.action, before+1)
			}
		})
	}
	// The audit page posts its search as a form.
	form := url.Values{"format": {"json"}, "action": {audit.ActionAuditExported}}
	resp, body := request(t, "POST", b.url+"/api/audit/export", "aud", []string{"auditor"}, strings.NewReader(form.Encode()),
		map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Sec-Fetch-Site": "same-origin"})
	var rows []audit.Entry
	if resp.StatusCode != 200 || json.Unmarshal(body, &rows) != nil || len(rows) == 0 {
		t.Fatalf("form export: %d %s", resp.StatusCode, body)
	}
	for _, r := range rows {
		if r.Action != audit.ActionAuditExported {
			t.Errorf("form export ignored its search: %+v", r)
		}
	}
}

// TestEraseSelfIsForbidden: an admin cannot erase their own data through
// the API (403, naming why); another admin can.
func TestEraseSelfIsForbidden(t *testing.T) {
	b := setup(t, setupOpts{})
	me := "admin-" + b.collection
	resp, body := request(t, "POST", b.url+"/api/admin/subjects/"+me+"/erase", me, []string{"admin"}, nil, nil)
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(string(body), "another administrator") {
		t.Errorf("self-erasure: %d %s, want 403", resp.StatusCode, body)
	}
	if resp, body := request(t, "POST", b.url+"/api/admin/subjects/"+me+"/erase", "other-"+me, []string{"admin"}, nil, nil); resp.StatusCode != http.StatusOK {
		t.Errorf("erasure by another admin: %d %s", resp.StatusCode, body)
	}
}
