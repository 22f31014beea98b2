package insight_test

import (
	"context"
	"errors"
	"testing"

	"github.com/civitas-eu/civitas/internal/insight"
	"github.com/civitas-eu/civitas/internal/store"
)

func ptr[T any](v T) *T { return &v }

// TestGroupsChangeTakesEffectOnRetrievalWithoutNewVectors: restricting a
// document to a group hides it from the next retrieval of a caller
// outside that group, at once, with the same chunks (no re-chunking, no
// new vectors) and an audit event; moving it to another collection moves
// the source's history with it.
func TestGroupsChangeTakesEffectOnRetrievalWithoutNewVectors(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	id := w.document(t, "waste", "/docs/sperrmuell.txt", nil, "Sperrmüll wird zweimal im Jahr abgeholt.")
	st, err := store.New(w.tx)
	if err != nil {
		t.Fatal(err)
	}
	find := func(groups []string, collection string) int {
		t.Helper()
		hits, err := st.RetrieveLexical(ctx, store.RetrieveQuery{Text: "Sperrmüll abgeholt",
			RetrieveFilter: store.RetrieveFilter{Groups: groups, Collections: []string{collection}}})
		if err != nil {
			t.Fatal(err)
		}
		return len(hits)
	}
	chunk := w.int64(t, "SELECT id FROM chunks WHERE document_id = $1", id)
	if find(nil, "waste") != 1 {
		t.Fatal("the public document is not found before the change")
	}
	res, err := w.svc.UpdateMetadata(ctx, insight.MetadataChange{DocumentID: id, Title: ptr("Sperrmüll (intern)"),
		Groups: ptr([]string{"abfall"})}, insight.Changer{Groups: []string{"knowledge-manager", "abfall"}})
	if err != nil || !res.Changed || res.After.Title != "Sperrmüll (intern)" {
		t.Fatalf("update: %+v %v", res, err)
	}
	if n := find(nil, "waste"); n != 0 {
		t.Errorf("after restricting to abfall, a caller without groups still finds %d passages", n)
	}
	if n := find([]string{"abfall"}, "waste"); n != 1 {
		t.Errorf("a member of abfall finds %d passages, want 1", n)
	}
	if got := w.int64(t, "SELECT id FROM chunks WHERE document_id = $1", id); got != chunk {
		t.Errorf("the chunk changed from %d to %d: the document was re-chunked", chunk, got)
	}
	if n := w.int64(t, "SELECT count(*) FROM documents WHERE source_uri = '/docs/sperrmuell.txt'"); n != 1 {
		t.Errorf("%d versions after a metadata change, want 1 (in place)", n)
	}
	if n := w.int64(t, "SELECT count(*) FROM audit_log WHERE action = $1 AND target = $2", insight.ActionMetadataChanged, "document:"+itoa(id)); n != 1 {
		t.Errorf("%d audit events of the change, want 1", n)
	}
	if _, err := w.svc.UpdateMetadata(ctx, insight.MetadataChange{DocumentID: id, Collection: ptr("abfall-intern")},
		insight.Changer{Groups: []string{"abfall"}}); err != nil {
		t.Fatal(err)
	}
	if find([]string{"abfall"}, "waste") != 0 || find([]string{"abfall"}, "abfall-intern") != 1 {
		t.Error("after the move the document is not found in its new collection only")
	}
}

// TestMetadataChangeFollowsAccessRules: a knowledge manager may not see,
// grant, withdraw or move what their groups do not reach; the operator
// (cmd/ingest) may.
func TestMetadataChangeFollowsAccessRules(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	hr := w.document(t, "personal", "/hr.txt", []string{"hr"}, "Gehalt")
	both := w.document(t, "mixed", "/both.txt", []string{"hr", "finance"}, "Budget")
	pub := w.document(t, "open", "/pub.txt", nil, "Öffnungszeiten")
	km := insight.Changer{Groups: []string{"knowledge-manager", "finance"}}
	for _, tt := range []struct {
		name string
		c    insight.MetadataChange
		by   insight.Changer
		want error
	}{
		{"document outside the caller's groups", insight.MetadataChange{DocumentID: hr, Title: ptr("x")}, km, insight.ErrNotFound},
		{"grant a group the caller is not in", insight.MetadataChange{DocumentID: pub, Groups: ptr([]string{"hr"})}, km, insight.ErrForbidden},
		{"withdraw a group the caller is not in", insight.MetadataChange{DocumentID: both, Groups: ptr([]string{"finance"})}, km, insight.ErrForbidden},
		{"hide the document from the caller", insight.MetadataChange{DocumentID: both, Groups: ptr([]string{"hr"})}, km, insight.ErrForbidden},
		{"move into a collection with hidden documents", insight.MetadataChange{DocumentID: pub, Collection: ptr("personal")}, km, insight.ErrForbidden},
		{"move out of a collection the caller sees whole", insight.MetadataChange{DocumentID: both, Collection: ptr("open")}, insight.Changer{Groups: []string{"finance"}}, nil},
		{"no change given", insight.MetadataChange{DocumentID: pub}, km, insight.ErrInvalid},
		{"control character in title", insight.MetadataChange{DocumentID: pub, Title: ptr("a\x00b")}, km, insight.ErrInvalid},
		{"grant own group", insight.MetadataChange{DocumentID: pub, Groups: ptr([]string{"finance"})}, km, nil},
		// Declassifying is the change that cannot be taken back (anyone
		// may have read it meanwhile): the operator's, not a reviewer's.
		{"make a restricted document public", insight.MetadataChange{DocumentID: pub, Groups: ptr([]string{})}, km, insight.ErrForbidden},
		{"operator makes a restricted document public", insight.MetadataChange{DocumentID: pub, Groups: ptr([]string{})}, insight.Changer{Operator: true}, nil},
		{"operator grants any group", insight.MetadataChange{DocumentID: hr, Groups: ptr([]string{"hr", "board"})}, insight.Changer{Operator: true}, nil},
	} {
		_, err := w.svc.UpdateMetadata(ctx, tt.c, tt.by)
		if (tt.want == nil) != (err == nil) || (tt.want != nil && !errors.Is(err, tt.want)) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
	}
}
