package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
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
