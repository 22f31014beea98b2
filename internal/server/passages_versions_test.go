package server_test

import (
	"bytes"
	"net/http"
	"testing"

	"github.com/civitas-eu/civitas/internal/auth"
)

// TestOldVersionPassagesServeNoRestrictedText: memo.txt uploaded
// restricted to secret-grp (v1), then replaced by a public version (v2).
// A knowledge manager outside secret-grp may see v1's record in the
// version history but, as for its file, never its text: the passages of
// an earlier version are gone (410) for everyone, and the current
// version's passages are served as before.
func TestOldVersionPassagesServeNoRestrictedText(t *testing.T) {
	b := setupLibrary(t, 1<<20, 8<<20, auth.Config{})
	b.startWorker()
	v1 := b.uploadMemo(t, memoV2, "secret-grp", 1)
	v2 := b.uploadMemo(t, memoV1, "", 2)
	if v1 == v2 {
		t.Fatalf("the second upload stored no new version (id %d)", v1)
	}
	tests := []struct {
		name, url, user string
		groups          []string
		want            int
	}{
		{"manager, old restricted id", "/api/documents/" + itoa(v1) + "/passages", "kim", km, http.StatusGone},
		{"manager in the group, old id", "/api/documents/" + itoa(v1) + "/passages", "kim", append([]string{"secret-grp"}, km...), http.StatusGone},
		{"outsider, old id", "/api/documents/" + itoa(v1) + "/passages", "otto", nil, http.StatusNotFound},
		{"member, old id", "/api/documents/" + itoa(v1) + "/passages", "sam", []string{"secret-grp"}, http.StatusNotFound},
		{"outsider, new id", "/api/documents/" + itoa(v2) + "/passages", "otto", nil, http.StatusOK},
	}
	for _, tt := range tests {
		resp, raw := request(t, "GET", b.url+tt.url, tt.user, tt.groups, nil, nil)
		if resp.StatusCode != tt.want {
			t.Errorf("%s: %d %s, want %d", tt.name, resp.StatusCode, raw, tt.want)
		}
		if bytes.Contains(raw, []byte("4711")) {
			t.Errorf("%s: the reply holds the restricted text: %s", tt.name, raw)
		}
	}
}
