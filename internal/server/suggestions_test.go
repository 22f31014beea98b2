package server_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/civitas-eu/civitas/internal/auth"
)

// TestSuggestionsSetByKnowledgeManagersSeenByReaders: only a knowledge
// manager sets a collection's example questions; a reader who may see a
// document of the collection gets them, one who may not does not even
// see the collection named.
func TestSuggestionsSetByKnowledgeManagersSeenByReaders(t *testing.T) {
	b := setup(t, setupOpts{})
	b.ingestFiles(t, []string{"bauamt"}, map[string]string{"bau.md": "# Bauamt\n\nBaugenehmigungen.\n"})
	put := b.url + "/api/library/collections/" + b.collection + "/suggestions"
	body := map[string]any{"questions": []string{"Wie beantrage ich eine Baugenehmigung?", " Was kostet sie? "}}
	km := []string{auth.GroupKnowledgeManager}
	for _, tt := range []struct {
		name   string
		groups []string
		url    string
		body   any
		want   int
	}{
		{"reader may not set", []string{"bauamt"}, put, body, http.StatusForbidden},
		{"admin alone may not set", []string{auth.GroupAdmin}, put, body, http.StatusForbidden},
		{"unknown collection", km, b.url + "/api/library/collections/no-such-collection-x/suggestions", body, http.StatusNotFound},
		{"too many", km, put, map[string]any{"questions": []string{"a", "b", "c", "d", "e", "f", "g"}}, http.StatusBadRequest},
		{"empty question", km, put, map[string]any{"questions": []string{" "}}, http.StatusBadRequest},
		{"knowledge manager sets", km, put, body, http.StatusOK},
	} {
		if resp, raw := request(t, "PUT", tt.url, "kim", tt.groups, tt.body, nil); resp.StatusCode != tt.want {
			t.Errorf("%s: %d %s, want %d", tt.name, resp.StatusCode, raw, tt.want)
		}
	}
	for _, tt := range []struct {
		name   string
		groups []string
		sees   bool
	}{
		{"member", []string{"bauamt"}, true},
		{"outsider", []string{"kaemmerei"}, false},
	} {
		resp, raw := request(t, "GET", b.url+"/api/suggestions", "sam", tt.groups, nil, nil)
		got := string(raw)
		if resp.StatusCode != http.StatusOK || strings.Contains(got, "Was kostet sie?") != tt.sees || strings.Contains(got, b.collection) != tt.sees {
			t.Errorf("%s: %d %s, want the questions shown: %v", tt.name, resp.StatusCode, got, tt.sees)
		}
	}
}
