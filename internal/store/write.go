package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/civitas-eu/civitas/internal/audit"
)

// WriteVersion stores a new version of a document in one transaction: the
// document row, its chunks and vectors (one statement), and — when it
// replaces a previous version — that version marked superseded and its
// chunks removed (the row itself stays, as the record of what was ingested
// before). Either all of it is visible afterwards or none of it, whatever
// happens to the process. The collection must exist (EnsureCollection).
func (s *Store) WriteVersion(ctx context.Context, nv NewVersion) (Document, error) {
	docs, err := s.WriteVersions(ctx, []NewVersion{nv})
	if err != nil {
		return Document{}, err
	}
	return docs[0], nil
}

// WriteVersions stores several document versions in one transaction, each
// as WriteVersion would: all of them or none. Many small documents thus
// cost one commit instead of one each. An error names the version that
// failed; the caller can then write the others one by one
// (ErrConflict is the usual case: another writer got to one of them
// first).
//
// The audit events are appended last, after every row lock the versions
// take: appending takes the audit chain head's lock, and a writer holding
// it while waiting for a document row could deadlock with one (an access
// change, a deletion) that holds the row and waits for the head.
func (s *Store) WriteVersions(ctx context.Context, nvs []NewVersion) ([]Document, error) {
	docs := make([]Document, len(nvs))
	events := make([]audit.Event, len(nvs))
	failed := -1
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		for i, nv := range nvs {
			var err error
			if docs[i], events[i], err = s.writeVersion(ctx, tx, nv); err != nil {
				failed = i
				return err
			}
		}
		for _, ev := range events {
			if _, err := audit.Append(ctx, tx, ev); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		if failed >= 0 {
			return nil, fmt.Errorf("store: write %s: %w", nvs[failed].Document.SourceURI, err)
		}
		return nil, fmt.Errorf("store: write %d document versions: %w", len(nvs), err)
	}
	return docs, nil
}

// writeVersion writes one version in tx and returns the document and the
// audit event that records it, for the caller to append.
func (s *Store) writeVersion(ctx context.Context, tx pgx.Tx, nv NewVersion) (Document, audit.Event, error) {
	// No vectors at all is a lexical-only write (no embedding model yet).
	if len(nv.Vectors) != len(nv.Chunks) && len(nv.Vectors) != 0 {
		return Document{}, audit.Event{}, fmt.Errorf("%d chunks but %d vectors", len(nv.Chunks), len(nv.Vectors))
	}
	doc, meta, err := nv.Document.prepared()
	if err != nil {
		return Document{}, audit.Event{}, err
	}
	doc.Version = 1
	if nv.Previous != nil {
		doc.Version = nv.Previous.Version + 1
	}
	cols := chunkColumns(nv.Chunks)
	lits, bad := nv.Model.literals(nv.Vectors)
	if bad >= 0 {
		return Document{}, audit.Event{}, fmt.Errorf("vector %d has %d dimensions, model %s has %d: %w",
			bad, len(nv.Vectors[bad]), nv.Model.Name, nv.Model.Dimensions, ErrDimensionMismatch)
	}
	cc, err := splitChunks(ctx, tx, s.q("CompoundWordFrequencies"), doc.TSConfig, nv.Chunks)
	if err != nil {
		return Document{}, audit.Event{}, err
	}
	err = tx.QueryRow(ctx, s.q("InsertVersion"),
		doc.Collection, doc.SourceURI, doc.Title, doc.MediaType, doc.Language, doc.TSConfig,
		doc.ContentHash, doc.SizeBytes, doc.SourceModifiedAt, doc.PageCount, doc.Version,
		doc.AccessGroups, string(meta),
		cols.ordinals, cols.starts, cols.ends, cols.headings, cols.contents, cols.tokens,
		nv.Model.ID, lits, cc.parts,
	).Scan(&doc.ID, &doc.CreatedAt)
	if pgErr := (*pgconn.PgError)(nil); errors.As(err, &pgErr) && pgErr.ConstraintName == "documents_source_version" {
		return Document{}, audit.Event{}, fmt.Errorf("version %d exists already: %w", doc.Version, ErrConflict)
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return Document{}, audit.Event{}, fmt.Errorf("collection %q does not exist: %w", doc.Collection, ErrNotFound)
	}
	if err != nil {
		return Document{}, audit.Event{}, fmt.Errorf("insert version %d with %d chunks: %w", doc.Version, len(nv.Chunks), err)
	}
	doc.UpdatedAt = doc.CreatedAt
	if err := s.addVocabulary(ctx, tx, doc.ID, cc); err != nil {
		return Document{}, audit.Event{}, err
	}
	if nv.Previous == nil {
		ev, err := s.documentEvent(ctx, tx, audit.ActionDocumentIngested, doc.ID, map[string]any{"chunks": len(nv.Chunks)})
		return doc, ev, err
	}
	tag, err := tx.Exec(ctx, s.q("SupersedeDocument"), nv.Previous.ID, doc.ID)
	if err != nil {
		return Document{}, audit.Event{}, fmt.Errorf("supersede version %d: %w", nv.Previous.Version, err)
	}
	if tag.RowsAffected() != 1 {
		return Document{}, audit.Event{}, fmt.Errorf("version %d is no longer current: %w", nv.Previous.Version, ErrConflict)
	}
	if _, err := tx.Exec(ctx, s.q("DeleteChunksOf"), nv.Previous.ID); err != nil {
		return Document{}, audit.Event{}, fmt.Errorf("remove chunks of version %d: %w", nv.Previous.Version, err)
	}
	if _, err := tx.Exec(ctx, s.q("DeleteCompoundVocabularyOf"), nv.Previous.ID); err != nil {
		return Document{}, audit.Event{}, fmt.Errorf("remove the vocabulary of version %d: %w", nv.Previous.Version, err)
	}
	ev, err := s.documentEvent(ctx, tx, audit.ActionDocumentUpdated, doc.ID,
		map[string]any{"chunks": len(nv.Chunks), "previous_id": nv.Previous.ID, "previous_version": nv.Previous.Version})
	return doc, ev, err
}
