package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/civitas-eu/civitas/internal/audit"
)

// LibraryDocument is the current version of a document as the library
// page lists it.
type LibraryDocument struct {
	ID           int64
	Collection   string
	SourceURI    string
	Title        string
	MediaType    string
	Language     string
	PageCount    *int
	Chunks       int64
	Version      int
	Versions     int64
	AccessGroups []string
	SizeBytes    int64
	IngestedAt   time.Time
}

// DocumentVersion is one version of a source.
type DocumentVersion struct {
	ID          int64
	Version     int
	ContentHash []byte
	PageCount   *int
	Chunks      int64
	SizeBytes   int64
	IngestedAt  time.Time
	Current     bool
}

// LibraryCollections returns every collection with its number of current
// documents, by name.
func (s *Store) LibraryCollections(ctx context.Context) ([]CollectionCount, error) {
	rows, err := s.db.Query(ctx, s.q("LibraryCollections"))
	if err != nil {
		return nil, fmt.Errorf("store: list collections: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (CollectionCount, error) {
		var c CollectionCount
		return c, r.Scan(&c.Name, &c.Documents)
	})
	if err != nil {
		return nil, fmt.Errorf("store: list collections: %w", err)
	}
	return out, nil
}

// LibraryDocuments returns up to limit current documents of a collection
// ("" for all), whatever their access groups: the library is for the
// people who manage it, and the caller checks they may.
func (s *Store) LibraryDocuments(ctx context.Context, collection string, limit int) ([]LibraryDocument, error) {
	rows, err := s.db.Query(ctx, s.q("LibraryDocuments"), collection, limit)
	if err != nil {
		return nil, fmt.Errorf("store: list documents of %q: %w", collection, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (LibraryDocument, error) {
		var d LibraryDocument
		err := r.Scan(&d.ID, &d.Collection, &d.SourceURI, &d.Title, &d.MediaType, &d.Language, &d.PageCount,
			&d.Chunks, &d.Version, &d.Versions, &d.AccessGroups, &d.SizeBytes, &d.IngestedAt)
		return d, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: list documents of %q: %w", collection, err)
	}
	return out, nil
}

// DocumentVersions returns every version of the source of document id,
// newest first, or ErrNotFound.
func (s *Store) DocumentVersions(ctx context.Context, id int64) ([]DocumentVersion, error) {
	rows, err := s.db.Query(ctx, s.q("LibraryVersions"), id)
	if err != nil {
		return nil, fmt.Errorf("store: versions of document %d: %w", id, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (DocumentVersion, error) {
		var v DocumentVersion
		err := r.Scan(&v.ID, &v.Version, &v.ContentHash, &v.PageCount, &v.Chunks, &v.SizeBytes, &v.IngestedAt, &v.Current)
		return v, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: versions of document %d: %w", id, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("store: versions of document %d: %w", id, ErrNotFound)
	}
	return out, nil
}

// deletedVersion is one version LibraryDeleteSource removed.
type deletedVersion struct {
	ID         int64
	Collection string
	Source     string
	Version    int
	SHA256     string
}

// DeleteSource removes every version of the source of document id, with
// their chunks and embeddings, and returns the source URI, or ErrNotFound.
// The deletion is recorded in the audit trail (document.deleted, the actor
// from ctx) in the same transaction, appended last so that the chain
// head's lock is held only until the commit.
func (s *Store) DeleteSource(ctx context.Context, id int64) (string, error) {
	var source string
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, s.q("LibraryDeleteSource"), id)
		if err != nil {
			return err
		}
		deleted, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (deletedVersion, error) {
			var v deletedVersion
			return v, r.Scan(&v.ID, &v.Collection, &v.Source, &v.Version, &v.SHA256)
		})
		if err != nil {
			return err
		}
		if len(deleted) == 0 {
			return ErrNotFound
		}
		source = deleted[0].Source
		return auditSourceDeleted(ctx, tx, id, deleted)
	})
	if err != nil {
		return "", fmt.Errorf("store: delete document %d: %w", id, err)
	}
	return source, nil
}

// auditSourceDeleted records the deletion of a source asked for through
// document id: one document.deleted event, shaped like DeleteDocument's
// (the document asked for), listing every version deleted with it.
func auditSourceDeleted(ctx context.Context, tx pgx.Tx, id int64, deleted []deletedVersion) error {
	d := map[string]any{"document_id": id}
	versions := make([]map[string]any, len(deleted))
	for i, v := range deleted {
		versions[i] = map[string]any{"document_id": v.ID, "version": v.Version, "sha256": v.SHA256}
		if v.ID == id {
			d["collection"], d["source"], d["version"], d["sha256"] = v.Collection, v.Source, v.Version, v.SHA256
		}
	}
	d["versions"] = versions
	_, err := audit.Append(ctx, tx, audit.Event{Action: audit.ActionDocumentDeleted, Target: fmt.Sprintf("document:%d", id), Details: d})
	return err
}
