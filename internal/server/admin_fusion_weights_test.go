package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/civitas-eu/civitas/internal/store"
)

// TestAdminModelsShowFusionWeights: the admin's model list carries the
// active embedding model's fusion weights learnt from the golden
// questions, per language; none learnt is an empty list.
func TestAdminModelsShowFusionWeights(t *testing.T) {
	b := setupAdmin(t)
	ctx := context.Background()
	get := func() (string, []store.FusionWeight) {
		t.Helper()
		resp, body := request(t, "GET", b.url+"/api/admin/models", "root", admin, nil, nil)
		var out struct {
			Active        struct{ Embed string }
			FusionWeights []store.FusionWeight `json:"fusion_weights"`
		}
		if err := json.Unmarshal(body, &out); resp.StatusCode != http.StatusOK || err != nil || out.FusionWeights == nil {
			t.Fatalf("GET models = %d %s (%v), want fusion_weights", resp.StatusCode, body, err)
		}
		return out.Active.Embed, out.FusionWeights
	}
	active, ws := get()
	if len(ws) != 0 {
		t.Fatalf("fusion weights before any were learnt: %+v", ws)
	}
	t.Cleanup(func() { _ = b.store.ReplaceFusionWeights(ctx, active, nil) })
	if err := b.store.ReplaceFusionWeights(ctx, active, []store.FusionWeight{{Language: "en", Vector: 0.25, Questions: 8, Hit5: 0.75, MRR: 0.7}}); err != nil {
		t.Fatal(err)
	}
	if _, ws = get(); len(ws) != 1 || ws[0].Language != "en" || ws[0].Vector != 0.25 || ws[0].Questions != 8 || ws[0].Model != active {
		t.Errorf("fusion weights %+v, want en 0.25 from 8 questions for %s", ws, active)
	}
}
