package insight_test

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/civitas-eu/civitas/internal/insight"
	"github.com/civitas-eu/civitas/internal/store"
)

// TestTransparencyRecordNamesActiveDigestsAndFollowsASwitch: the record
// names the active models with their digests, the collections and the
// admin's fields; after the chat model is switched it names the new
// digest and no longer the old one, in JSON and in HTML (escaped).
func TestTransparencyRecordNamesActiveDigestsAndFollowsASwitch(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	st, err := store.New(w.tx)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []struct{ role, name, digest string }{{"chat", "chat-a", "sha256:aaaa"}, {"embed", "embed-e", "sha256:eeee"}} {
		if _, err := st.SeedActiveModel(ctx, m.role, m.name, m.digest, "root"); err != nil {
			t.Fatal(err)
		}
	}
	w.document(t, "waste", "/a.txt", nil, "text")
	if _, err := w.svc.SetFields(ctx, map[string]string{"name": "Civitas <Stadt>", "organization": "Stadt Musterstadt", "contact_email": ""}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.SetFields(ctx, map[string]string{"favourite_colour": "blue"}); !errors.Is(err, insight.ErrInvalid) {
		t.Errorf("an unknown field: %v, want invalid", err)
	}
	state := insight.State{Version: "1.2.3", PromptVersion: "p1", RetentionDays: 90, RetentionAction: "pseudonymise"}
	before, err := w.svc.Record(ctx, state)
	if err != nil {
		t.Fatal(err)
	}
	digests := func(r insight.Record) string {
		var b strings.Builder
		for _, m := range r.Models {
			b.WriteString(m.Role + "=" + m.Name + "@" + m.Digest + " ")
		}
		return b.String()
	}
	if got := digests(before); got != "chat=chat-a@sha256:aaaa embed=embed-e@sha256:eeee " {
		t.Errorf("models before the switch: %s", got)
	}
	waste := slices.IndexFunc(before.Collections, func(c insight.CollectionFacts) bool { return c.Name == "waste" })
	if before.Fields["name"] != "Civitas <Stadt>" || waste < 0 || before.Collections[waste].Documents != 1 ||
		!strings.Contains(before.Retention, "90 days") || len(before.Risks) == 0 {
		t.Errorf("record: %+v", before)
	}
	if _, err := st.SetActiveModel(ctx, store.ModelChange{Role: "chat", To: "chat-b", ToDigest: "sha256:bbbb", By: "root"}); err != nil {
		t.Fatal(err)
	}
	after, err := w.svc.Record(ctx, state)
	if err != nil {
		t.Fatal(err)
	}
	if got := digests(after); got != "chat=chat-b@sha256:bbbb embed=embed-e@sha256:eeee " {
		t.Errorf("models after the switch: %s", got)
	}
	if after.LastChange.Before(before.LastChange) {
		t.Errorf("date of last change went back: %v then %v", before.LastChange, after.LastChange)
	}
	var html bytes.Buffer
	if err := after.WriteHTML(&html); err != nil {
		t.Fatal(err)
	}
	h := html.String()
	if !strings.Contains(h, "sha256:bbbb") || strings.Contains(h, "sha256:aaaa") || !strings.Contains(h, "Civitas &lt;Stadt&gt;") {
		t.Errorf("HTML record:\n%s", h)
	}
}
