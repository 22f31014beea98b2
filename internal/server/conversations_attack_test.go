package server_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/civitas-eu/civitas/internal/auth"
)

// TestHistoryRoutesRefuseCrossSite: the state-changing routes of issue 19
// (rename, delete, set suggestions) sit behind the same cross-origin
// guard as every other: a page on another site cannot make the user's
// browser change or delete their history, and nothing changes.
func TestHistoryRoutesRefuseCrossSite(t *testing.T) {
	b := setup(t, setupOpts{})
	c := seedConversation(t, b, "sam", "Bleibt", "Frage?", "Antwort.")
	u := fmt.Sprintf("%s/api/conversations/%d", b.url, c.ID)
	cross := map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}
	km := []string{auth.GroupKnowledgeManager}
	for _, tt := range []struct {
		name, method, url string
		groups            []string
		body              any
	}{
		{"rename", "PATCH", u, nil, map[string]string{"title": "Gekapert"}},
		{"delete", "DELETE", u, nil, nil},
		{"set suggestions", "PUT", b.url + "/api/library/collections/" + b.collection + "/suggestions", km, map[string]any{"questions": []string{"x?"}}},
	} {
		if resp, raw := request(t, tt.method, tt.url, "sam", tt.groups, tt.body, cross); resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s from another site: %d %s, want 403", tt.name, resp.StatusCode, raw)
		}
	}
	if resp, raw := request(t, "GET", u, "sam", nil, nil, nil); resp.StatusCode != http.StatusOK || !strings.Contains(string(raw), `"Bleibt"`) {
		t.Errorf("after the cross-site attempts: %d %s", resp.StatusCode, raw)
	}
}

// TestHistorySearchWildcardsMatchLiterally: "%", "_" and "\" in ?q= are
// text, not LIKE patterns: "%" finds only a conversation with a "%" in
// it, not every one.
func TestHistorySearchWildcardsMatchLiterally(t *testing.T) {
	b := setup(t, setupOpts{})
	owner := fmt.Sprintf("searcher-%d", time.Now().UnixNano())
	seedConversation(t, b, owner, "Rabatt 10% auf_Gebühren", "Wie viel?", "Zehn.")
	seedConversation(t, b, owner, "Parken", "Was kostet es?", "30 Euro.")
	for _, tt := range []struct {
		q    string
		want []string
		not  []string
	}{
		{"%", []string{"Rabatt"}, []string{"Parken"}},
		{"_", []string{"Rabatt"}, []string{"Parken"}},
		{`\`, nil, []string{"Rabatt", "Parken"}},
		{"10%", []string{"Rabatt"}, []string{"Parken"}},
		{"p_rken", nil, []string{"Parken"}},
	} {
		resp, raw := request(t, "GET", b.url+"/api/conversations?q="+url.QueryEscape(tt.q), owner, nil, nil, nil)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("q=%q: %d %s", tt.q, resp.StatusCode, raw)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(string(raw), w) {
				t.Errorf("q=%q does not find %q: %s", tt.q, w, raw)
			}
		}
		for _, n := range tt.not {
			if strings.Contains(string(raw), n) {
				t.Errorf("q=%q finds %q: %s", tt.q, n, raw)
			}
		}
	}
}
