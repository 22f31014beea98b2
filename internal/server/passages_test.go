package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/civitas-eu/civitas/internal/dbtest"
)

// TestDocumentPassagesOnlyForThoseWhoMaySee: the passages (extracted text)
// of a document are served to a caller who may see the document and are
// not found for one who may not, exactly like its file; ?chunk= picks one
// passage.
func TestDocumentPassagesOnlyForThoseWhoMaySee(t *testing.T) {
	b := setup(t, setupOpts{})
	b.ingestFiles(t, []string{"bauamt"}, map[string]string{"vermerk.md": "# Vermerk Bauamt\n\nDer Vermerk betrifft Baugenehmigungen im Stadtteil Nord.\n"})
	var docID, chunkID int64
	if err := dbtest.Migrated(t).QueryRow(context.Background(), `SELECT d.id, min(k.id) FROM documents d
		JOIN collections c ON c.id = d.collection_id JOIN chunks k ON k.document_id = d.id
		WHERE c.name = $1 GROUP BY d.id`, b.collection).Scan(&docID, &chunkID); err != nil {
		t.Fatal(err)
	}
	u := fmt.Sprintf("%s/api/documents/%d/passages", b.url, docID)
	for _, tt := range []struct {
		name   string
		groups []string
		url    string
		want   int
	}{
		{"member", []string{"bauamt"}, u, http.StatusOK},
		{"member, one passage", []string{"bauamt"}, fmt.Sprintf("%s?chunk=%d", u, chunkID), http.StatusOK},
		{"outsider", []string{"kaemmerei"}, u, http.StatusNotFound},
		{"no groups", nil, u, http.StatusNotFound},
		{"outsider, one passage", []string{"kaemmerei"}, fmt.Sprintf("%s?chunk=%d", u, chunkID), http.StatusNotFound},
		{"bad chunk", []string{"bauamt"}, u + "?chunk=x", http.StatusBadRequest},
		{"chunk of another document", []string{"bauamt"}, u + "?chunk=999999999", http.StatusNotFound},
	} {
		resp, raw := request(t, "GET", tt.url, "sam", tt.groups, nil, nil)
		if resp.StatusCode != tt.want {
			t.Errorf("%s: %d %s, want %d", tt.name, resp.StatusCode, raw, tt.want)
			continue
		}
		if tt.want != http.StatusOK {
			if strings.Contains(string(raw), "Baugenehmigungen") {
				t.Errorf("%s: the refusal leaks the text: %s", tt.name, raw)
			}
			continue
		}
		var body struct {
			Passages []struct {
				ID   int64  `json:"id"`
				Text string `json:"text"`
			} `json:"passages"`
		}
		if err := json.Unmarshal(raw, &body); err != nil || len(body.Passages) == 0 || body.Passages[0].ID != chunkID ||
			!strings.Contains(string(raw), "Baugenehmigungen im Stadtteil Nord") {
			t.Errorf("%s: %s (%v)", tt.name, raw, err)
		}
	}
}
