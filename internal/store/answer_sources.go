package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"
)

// UnavailableSource is the title a stored source or citation gets when
// the caller may no longer see its document.
const UnavailableSource = "source no longer available to you"

// AnswersFor returns the answers of a conversation as the caller in
// groups may see them today. An answer stores the sources it was given
// (titles, snippets, document ids) as they were then; a document since
// re-grouped out of the caller's reach, or deleted, must not go on
// showing through them. Such sources and citations keep their number (the
// answer's [n] markers still line up) and lose everything else. The
// answer's own text stays: it is the user's own history, already read,
// and rewriting it would falsify the record an audit traces. One query
// decides for all documents of the conversation.
func (s *Store) AnswersFor(ctx context.Context, conversationID int64, groups []string) ([]Answer, error) {
	answers, err := s.Answers(ctx, conversationID)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for _, a := range answers {
		ids = append(ids, referencedDocuments(a.Sources)...)
		ids = append(ids, referencedDocuments(a.Citations)...)
	}
	if len(ids) == 0 {
		return answers, nil
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	rows, err := s.db.Query(ctx, s.q("VisibleDocumentIDs"), ids, nonNil(groups))
	if err != nil {
		return nil, fmt.Errorf("store: visible sources of conversation %d: %w", conversationID, err)
	}
	visible, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("store: visible sources of conversation %d: %w", conversationID, err)
	}
	seen := make(map[int64]bool, len(visible))
	for _, id := range visible {
		seen[id] = true
	}
	for i := range answers {
		answers[i].Sources = redactSources(answers[i].Sources, seen)
		answers[i].Citations = redactSources(answers[i].Citations, seen)
	}
	return answers, nil
}

// storedRef is what filtering needs of a stored source or citation.
type storedRef struct {
	N          int   `json:"n"`
	DocumentID int64 `json:"document_id"`
}

// referencedDocuments lists the document ids in a stored JSON array of
// sources or citations; one that does not parse names none (and is
// redacted whole by redactSources).
func referencedDocuments(raw json.RawMessage) []int64 {
	var refs []storedRef
	if json.Unmarshal(raw, &refs) != nil {
		return nil
	}
	ids := make([]int64, 0, len(refs))
	for _, r := range refs {
		ids = append(ids, r.DocumentID)
	}
	return ids
}

// redactSources replaces the entries of raw whose document is not in
// visible by their number and UnavailableSource. It fails closed: an
// array it cannot read becomes empty.
func redactSources(raw json.RawMessage, visible map[int64]bool) json.RawMessage {
	if len(raw) == 0 || string(raw) == "null" {
		return raw
	}
	var entries []json.RawMessage
	if json.Unmarshal(raw, &entries) != nil {
		return json.RawMessage("[]")
	}
	changed := false
	for i, e := range entries {
		var r storedRef
		if json.Unmarshal(e, &r) == nil && visible[r.DocumentID] {
			continue
		}
		entries[i], _ = json.Marshal(map[string]any{"n": r.N, "title": UnavailableSource, "unavailable": true})
		changed = true
	}
	if !changed {
		return raw
	}
	out, err := json.Marshal(entries)
	if err != nil {
		return json.RawMessage("[]")
	}
	return out
}
