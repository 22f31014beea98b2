package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

const (
	// bulkLoadBelow is the size under which a model's partition is loaded
	// without its HNSW index: a first import, or a partition small against
	// any load worth the name. Rebuilding an index of that size takes
	// seconds; above it, dropping the index would make every search slow
	// for the length of the load, and the load is usually small against
	// what is there.
	bulkLoadBelow = 20_000
	// bulkIndexMemory is maintenance_work_mem for the build: enough for the
	// graph of about 500,000 vectors of 64 dimensions or 100,000 of 384.
	bulkIndexMemory = "256MB"
)

// BulkLoad is a load of many vectors for one embedding model. When the
// model's partition is small, BeginBulkLoad drops its HNSW index, so that
// the load writes vectors alone, and Finish builds the index once at the
// end. Searches meanwhile still work, by a sequential scan of the
// partition, and see the same rows.
type BulkLoad struct {
	s *Store
	m EmbeddingModel
	// Dropped reports whether the index was dropped for this load.
	Dropped bool
}

// BeginBulkLoad starts a bulk load for model m, dropping its index when
// the partition holds fewer than bulkLoadBelow vectors. Call Finish when
// the load ends, also when it failed: a process that stops without it
// leaves the index missing, which the next load's Finish, or `assistant
// migrate` (EnsureEmbeddingIndexes), builds again.
//
// Two loads may overlap (two ingest processes): the second finds the index
// gone and drops nothing; whichever finishes first builds it, and the other
// then writes into it. No vector is lost either way, since the index is
// built from the table.
func (s *Store) BeginBulkLoad(ctx context.Context, m EmbeddingModel) (*BulkLoad, error) {
	b := &BulkLoad{s: s, m: m}
	var n int
	if err := s.db.QueryRow(ctx, s.q("CountEmbeddingsUpTo"), m.ID, bulkLoadBelow).Scan(&n); err != nil {
		return nil, fmt.Errorf("store: begin bulk load of %s: %w", m.Name, err)
	}
	if n >= bulkLoadBelow {
		return b, nil
	}
	if err := s.db.QueryRow(ctx, s.q("DropEmbeddingIndex"), m.ID).Scan(&b.Dropped); err != nil {
		return nil, fmt.Errorf("store: begin bulk load of %s: drop its index: %w", m.Name, err)
	}
	return b, nil
}

// Finish builds the model's HNSW index when it is missing, with
// maintenance_work_mem raised for the build. It may be called more than
// once; it does nothing when the index exists.
func (b *BulkLoad) Finish(ctx context.Context) error {
	var exists bool
	if err := b.s.db.QueryRow(ctx, b.s.q("EmbeddingIndexExists"), b.m.ID).Scan(&exists); err != nil {
		return fmt.Errorf("store: finish bulk load of %s: %w", b.m.Name, err)
	}
	if exists {
		return nil
	}
	err := pgx.BeginFunc(ctx, b.s.db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, b.s.q("BulkIndexSettings"), bulkIndexMemory); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, b.s.q("AddEmbeddingPartition"), b.m.ID)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: finish bulk load of %s: build its index: %w", b.m.Name, err)
	}
	return nil
}

// CompactTermStats folds the full-text statistics that writes of chunks
// left as one row per statement and lexeme into one row per lexeme, and
// returns how many rows went. Ingest runs it when a run has written
// chunks; it is safe alongside writers and returns 0 at once when another
// compaction is running (migration 0019).
func (s *Store) CompactTermStats(ctx context.Context) (int64, error) {
	var n int64
	if err := s.db.QueryRow(ctx, s.q("CompactTermStats")).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: compact term statistics: %w", err)
	}
	return n, nil
}
