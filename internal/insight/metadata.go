package insight

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/civitas-eu/civitas/internal/audit"
	"github.com/civitas-eu/civitas/internal/auth"
)

// ActionMetadataChanged is the audit action of a metadata change.
const ActionMetadataChanged = "document.metadata_changed"

// Limits of document metadata (as uploads check groups).
const (
	maxTitle      = 500
	maxCollection = 200
	maxGroupBytes = 100
	maxGroups     = 50
)

// Metadata is what can change of a document without re-embedding it.
type Metadata struct {
	Title      string   `json:"title"`
	Collection string   `json:"collection"`
	Groups     []string `json:"groups"`
}

// MetadataChange names a current document version and what to set; a nil
// field stays as it is.
type MetadataChange struct {
	DocumentID int64
	Title      *string
	Collection *string
	Groups     *[]string
}

// Changer is who changes metadata. A knowledge manager (Operator false)
// may change a document they may see, into a collection they manage
// (one holding no document hidden from them), and may grant or withdraw
// only groups they belong to: a group they are not in stays as it is; a
// restricted document stays restricted. The
// operator of cmd/ingest, who owns the database, is not bound by groups.
type Changer struct {
	Groups   []string
	Operator bool
}

// MetadataResult is a document's metadata before and after a change.
type MetadataResult struct {
	DocumentID int64    `json:"document_id"`
	Before     Metadata `json:"before"`
	After      Metadata `json:"after"`
	Changed    bool     `json:"changed"`
}

// normalise checks c's fields and cleans them, naming the wrong field.
func (c *MetadataChange) normalise() error {
	if c.Title != nil {
		t := strings.TrimSpace(*c.Title)
		if !storable(t) || utf8.RuneCountInString(t) > maxTitle {
			return invalidf("title must be text of at most %d characters without control characters", maxTitle)
		}
		c.Title = &t
	}
	if c.Collection != nil {
		n := strings.TrimSpace(*c.Collection)
		if n == "" || !storable(n) || utf8.RuneCountInString(n) > maxCollection {
			return invalidf("collection must be a name of 1 to %d characters without control characters", maxCollection)
		}
		c.Collection = &n
	}
	if c.Groups != nil {
		gs := auth.CleanGroups(*c.Groups)
		for _, g := range gs {
			if len(g) > maxGroupBytes || !storable(g) {
				return invalidf("groups: %q is not a group name (no control characters, at most %d bytes)", g, maxGroupBytes)
			}
		}
		if len(gs) > maxGroups {
			return invalidf("groups: at most %d groups", maxGroups)
		}
		gs = nonNil(gs)
		c.Groups = &gs
	}
	if c.Title == nil && c.Collection == nil && c.Groups == nil {
		return invalidf("nothing to change: give title, collection or groups")
	}
	return nil
}

func storable(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsFunc(s, unicode.IsControl)
}

// UpdateMetadata changes the title, collection and access groups of the
// current version of a document in place: no new version, no new
// vectors, and retrieval applies the change to the next question. A
// collection change moves the source's earlier versions too, so its
// history stays together. The change is audited in the same transaction.
// ErrNotFound: no such current document, or one the changer may not see;
// ErrForbidden: a collection or group the changer does not manage.
func (s *Service) UpdateMetadata(ctx context.Context, c MetadataChange, by Changer) (MetadataResult, error) {
	res := MetadataResult{DocumentID: c.DocumentID}
	if err := c.normalise(); err != nil {
		return res, err
	}
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		var source string
		err := tx.QueryRow(ctx, s.q.Get("LockDocument"), c.DocumentID).
			Scan(&res.DocumentID, &res.Before.Collection, &source, &res.Before.Title, &res.Before.Groups)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("insight: document %d: %w", c.DocumentID, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("insight: document %d: %w", c.DocumentID, err)
		}
		res.Before.Groups = nonNil(res.Before.Groups)
		if !by.Operator && !visible(res.Before.Groups, by.Groups) {
			return fmt.Errorf("insight: document %d: %w", c.DocumentID, ErrNotFound)
		}
		res.After = res.Before
		if c.Title != nil {
			res.After.Title = *c.Title
		}
		if c.Groups != nil {
			res.After.Groups = *c.Groups
			if !by.Operator {
				if err := checkGroups(res.Before.Groups, res.After.Groups, by.Groups); err != nil {
					return err
				}
			}
		}
		if c.Collection != nil && *c.Collection != res.Before.Collection {
			res.After.Collection = *c.Collection
			if err := s.move(ctx, tx, c.DocumentID, source, res.Before.Collection, res.After.Collection, by); err != nil {
				return err
			}
		}
		res.Changed = res.After.Title != res.Before.Title || res.After.Collection != res.Before.Collection ||
			!slices.Equal(res.After.Groups, res.Before.Groups)
		if !res.Changed {
			return nil
		}
		if err := s.st.SetDocumentTitleGroups(ctx, tx, c.DocumentID, res.After.Title, res.After.Groups); err != nil {
			return err
		}
		_, err = audit.Append(ctx, tx, audit.Event{Action: ActionMetadataChanged,
			Target:  "document:" + strconv.FormatInt(c.DocumentID, 10),
			Details: map[string]any{"source": source, "before": res.Before, "after": res.After}})
		return err
	})
	return res, err
}

// move moves the source of document id from collection from to to, when
// the changer manages both.
func (s *Service) move(ctx context.Context, tx pgx.Tx, id int64, source, from, to string, by Changer) error {
	if !by.Operator {
		for _, col := range []string{from, to} {
			var hidden bool
			if err := tx.QueryRow(ctx, s.q.Get("HiddenInCollection"), col, nonNil(by.Groups)).Scan(&hidden); err != nil {
				return fmt.Errorf("insight: collection %s: %w", col, err)
			}
			if hidden {
				return fmt.Errorf("%w: collection %q holds documents outside your groups; only a knowledge manager who sees all of it may move documents in or out", ErrForbidden, col)
			}
		}
	}
	var taken bool
	if err := tx.QueryRow(ctx, s.q.Get("SourceTaken"), to, source).Scan(&taken); err != nil {
		return fmt.Errorf("insight: collection %s: %w", to, err)
	}
	if taken {
		return invalidf("collection: %q holds a document from the same source already", to)
	}
	return s.st.MoveDocumentSource(ctx, tx, id, to)
}

// visible reports whether a document with access groups docGroups is
// visible to a member of groups (no groups: visible to everyone).
func visible(docGroups, groups []string) bool {
	if len(docGroups) == 0 {
		return true
	}
	for _, g := range docGroups {
		if slices.Contains(groups, g) {
			return true
		}
	}
	return false
}

// checkGroups refuses a change of access groups that grants or withdraws
// a group the changer is not in, one that makes a restricted document
// public, and one that leaves the document invisible to the changer
// (they could not undo it).
func checkGroups(before, after, mine []string) error {
	for _, g := range before {
		if !slices.Contains(after, g) && !slices.Contains(mine, g) {
			return fmt.Errorf("%w: groups: you may not withdraw %q, a group you are not in", ErrForbidden, g)
		}
	}
	for _, g := range after {
		if !slices.Contains(before, g) && !slices.Contains(mine, g) {
			return fmt.Errorf("%w: groups: you may not grant %q, a group you are not in", ErrForbidden, g)
		}
	}
	if len(before) > 0 && len(after) == 0 {
		// Declassifying cannot be taken back (anyone may read it at once):
		// it is the operator's decision (ingest --update-metadata).
		return fmt.Errorf("%w: groups: only the operator may make a restricted document public (ingest --update-metadata)", ErrForbidden)
	}
	if !visible(after, mine) {
		return fmt.Errorf("%w: groups: the document would be hidden from you; keep one of your groups", ErrForbidden)
	}
	return nil
}
