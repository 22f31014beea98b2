package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/civitas-eu/civitas/internal/audit"
)

// CurrentVersion is what ingest needs to know about the current version of
// a source: whether its content changed.
type CurrentVersion struct {
	ID           int64
	Version      int
	ContentHash  []byte
	AccessGroups []string // empty: public
	// Change is the metadata change (internal/insight) in force on the
	// version, nil when none: an ingest run keeps it (KeepsChange).
	Change *MetadataChange
}

// MetadataChange is a document's title and access groups as a metadata
// change set them, and the groups it had been ingested with.
type MetadataChange struct {
	Title          string   `json:"title"`
	AccessGroups   []string `json:"access_groups"`
	IngestedGroups []string `json:"ingested_groups"`
}

// KeepsChange reports whether an ingest run with groups keeps v's metadata
// change: it gives the groups the document was ingested with before the
// change, so it does not mean to change them (a run with other groups
// does, and replaces the change).
func (v CurrentVersion) KeepsChange(groups []string) bool {
	return v.Change != nil && slices.Equal(groupSet(v.Change.IngestedGroups), groupSet(groups))
}

// Current returns the current version of source in the collection, or
// ErrNotFound when the source has never been ingested there.
func (s *Store) Current(ctx context.Context, collectionID int64, source string) (CurrentVersion, error) {
	var v CurrentVersion
	err := s.db.QueryRow(ctx, s.q("CurrentDocument"), collectionID, source).Scan(&v.ID, &v.Version, &v.ContentHash, &v.AccessGroups, &v.Change)
	if errors.Is(err, pgx.ErrNoRows) {
		return v, fmt.Errorf("store: current version of %s: %w", source, ErrNotFound)
	}
	if err != nil {
		return v, fmt.Errorf("store: current version of %s: %w", source, err)
	}
	return v, nil
}

// MovedAway returns the collection a metadata change moved source to out
// of collection, or "" when it did not: an ingest run into collection
// must not add the source there again.
func (s *Store) MovedAway(ctx context.Context, collection, source string) (string, error) {
	var to string
	err := s.db.QueryRow(ctx, s.q("MovedAway"), collection, source).Scan(&to)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("store: where %s went: %w", source, err)
	}
	return to, nil
}

// Unchanged reports whether hash equals the current version's hash.
func (v CurrentVersion) Unchanged(hash []byte) bool { return bytes.Equal(v.ContentHash, hash) }

// SameAccess reports whether groups are the version's access groups, in
// any order and with repeats ignored.
func (v CurrentVersion) SameAccess(groups []string) bool {
	return slices.Equal(groupSet(v.AccessGroups), groupSet(groups))
}

func groupSet(groups []string) []string {
	return slices.Compact(slices.Sorted(slices.Values(groups)))
}

// UpdateAccess gives the current version v new access groups in place: a
// change of who may see a document is not a new version of its content,
// so its chunks and vectors stay as they are, and retrieval, which reads
// the groups from the document row, applies them from the commit on. It
// is recorded in the audit trail (document.updated, the actor from ctx)
// in the same transaction. ErrConflict means v is no longer the current
// version with that content.
func (s *Store) UpdateAccess(ctx context.Context, v CurrentVersion, groups []string) error {
	groups = nonNil(groupSet(groups))
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		var stored []string
		err := tx.QueryRow(ctx, s.q("UpdateAccessGroups"), v.ID, groups, v.ContentHash).Scan(&stored)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("version %d is no longer current: %w", v.Version, ErrConflict)
		}
		if err != nil {
			return err
		}
		return s.auditDocument(ctx, tx, audit.ActionDocumentUpdated, v.ID, map[string]any{
			"change": "access_groups", "access_groups": stored, "previous_access_groups": nonNil(v.AccessGroups)})
	})
	if err != nil {
		return fmt.Errorf("store: update access groups of document %d: %w", v.ID, err)
	}
	return nil
}

// ChunkText is a chunk's id and text, for embedding.
type ChunkText struct {
	ID      int64
	Content string
}

// ChunksMissingEmbedding returns the chunks of a document that have no
// vector for model m yet (all of them right after a model switch).
func (s *Store) ChunksMissingEmbedding(ctx context.Context, documentID int64, m EmbeddingModel) ([]ChunkText, error) {
	rows, err := s.db.Query(ctx, s.q("ChunksMissingEmbedding"), documentID, m.ID)
	if err != nil {
		return nil, fmt.Errorf("store: chunks of document %d without %s vectors: %w", documentID, m.Name, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ChunkText, error) {
		var c ChunkText
		return c, r.Scan(&c.ID, &c.Content)
	})
	if err != nil {
		return nil, fmt.Errorf("store: chunks of document %d without %s vectors: %w", documentID, m.Name, err)
	}
	return out, nil
}

// Owner identifies one ingest process in claims.
type Owner struct {
	ID   string // unique per process
	Host string
	PID  int
}

// ClaimResult says whether a claim was taken, and if not, who holds it.
type ClaimResult struct {
	Taken  bool
	Holder Owner
}

// Claim tries to take the lease on source for owner. When another owner
// holds a live lease, Taken is false and Holder says who; dead reports
// whether a holder on this host is known to be dead, in which case the
// claim is taken over at once instead of waiting for the lease to expire.
func (s *Store) Claim(ctx context.Context, collectionID int64, source string, owner Owner, lease time.Duration, dead func(Owner) bool) (ClaimResult, error) {
	var got string
	err := s.db.QueryRow(ctx, s.q("ClaimSource"), collectionID, source, owner.ID, owner.Host, owner.PID, lease.Seconds()).Scan(&got)
	if err == nil {
		return ClaimResult{Taken: true}, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return ClaimResult{}, fmt.Errorf("store: claim %s: %w", source, err)
	}
	var h Owner
	err = s.db.QueryRow(ctx, s.q("GetClaim"), collectionID, source).Scan(&h.ID, &h.Host, &h.PID)
	if errors.Is(err, pgx.ErrNoRows) { // released meanwhile: try once more
		return s.Claim(ctx, collectionID, source, owner, lease, nil)
	}
	if err != nil {
		return ClaimResult{}, fmt.Errorf("store: read claim on %s: %w", source, err)
	}
	if dead != nil && dead(h) {
		tag, err := s.db.Exec(ctx, s.q("StealClaim"), collectionID, source, h.ID, owner.ID, owner.Host, owner.PID, lease.Seconds())
		if err != nil {
			return ClaimResult{}, fmt.Errorf("store: take over claim on %s from %s: %w", source, h.ID, err)
		}
		if tag.RowsAffected() == 1 {
			return ClaimResult{Taken: true}, nil
		}
	}
	return ClaimResult{Holder: h}, nil
}

// RenewClaims extends every lease of owner; a live process calls it well
// within the lease.
func (s *Store) RenewClaims(ctx context.Context, owner Owner, lease time.Duration) error {
	if _, err := s.db.Exec(ctx, s.q("RenewClaims"), owner.ID, lease.Seconds()); err != nil {
		return fmt.Errorf("store: renew claims of %s: %w", owner.ID, err)
	}
	return nil
}

// ReleaseClaim gives a lease back.
func (s *Store) ReleaseClaim(ctx context.Context, collectionID int64, source string, owner Owner) error {
	if _, err := s.db.Exec(ctx, s.q("ReleaseClaim"), collectionID, source, owner.ID); err != nil {
		return fmt.Errorf("store: release claim on %s: %w", source, err)
	}
	return nil
}

// ErrConflict is returned when another writer changed a document between
// the caller's read and its write.
var ErrConflict = errors.New("changed concurrently by another writer")

// NewVersion is a document version ready to store: its chunks and their
// vectors (one per chunk, for Model).
type NewVersion struct {
	Document Document
	Chunks   []Chunk
	Vectors  [][]float32
	Model    EmbeddingModel
	// Previous is the current version this one replaces; nil for a new
	// source.
	Previous *CurrentVersion
}

// SourceRef names a current document by id and source.
type SourceRef struct {
	ID        int64
	SourceURI string
}

// CurrentSourcesUnder lists the current documents of a collection whose
// source starts with prefix (a folder path ending in a separator).
func (s *Store) CurrentSourcesUnder(ctx context.Context, collectionID int64, prefix string) ([]SourceRef, error) {
	rows, err := s.db.Query(ctx, s.q("CurrentSourcesUnder"), collectionID, prefix)
	if err != nil {
		return nil, fmt.Errorf("store: documents under %s: %w", prefix, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (SourceRef, error) {
		var ref SourceRef
		return ref, r.Scan(&ref.ID, &ref.SourceURI)
	})
	if err != nil {
		return nil, fmt.Errorf("store: documents under %s: %w", prefix, err)
	}
	return out, nil
}

// ReleaseStaleClaims removes the claims of a collection that no live
// process holds: expired leases, and those whose owner dead reports gone.
// A process killed after storing a document but before releasing its
// claim leaves such a row; the next run clears it.
func (s *Store) ReleaseStaleClaims(ctx context.Context, collectionID int64, dead func(Owner) bool) (int, error) {
	tag, err := s.db.Exec(ctx, s.q("DeleteExpiredClaims"), collectionID)
	if err != nil {
		return 0, fmt.Errorf("store: release expired claims of collection %d: %w", collectionID, err)
	}
	n := int(tag.RowsAffected())
	if dead == nil {
		return n, nil
	}
	rows, err := s.db.Query(ctx, s.q("ClaimsOf"), collectionID)
	if err != nil {
		return n, fmt.Errorf("store: claims of collection %d: %w", collectionID, err)
	}
	type claim struct {
		source string
		owner  Owner
	}
	claims, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (claim, error) {
		var c claim
		return c, r.Scan(&c.source, &c.owner.ID, &c.owner.Host, &c.owner.PID)
	})
	if err != nil {
		return n, fmt.Errorf("store: claims of collection %d: %w", collectionID, err)
	}
	for _, c := range claims {
		if !dead(c.owner) {
			continue
		}
		tag, err := s.db.Exec(ctx, s.q("ReleaseClaim"), collectionID, c.source, c.owner.ID)
		if err != nil {
			return n, fmt.Errorf("store: release stale claim on %s: %w", c.source, err)
		}
		n += int(tag.RowsAffected())
	}
	return n, nil
}
