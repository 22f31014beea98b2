package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/pgvector/pgvector-go"
)

// EmbeddingModel is an embedding model that has (or will have) vectors
// stored, with the dimension its HNSW index is built for.
type EmbeddingModel struct {
	ID         int
	Name       string
	Dimensions int
	Digest     string
	// VectorType is the precision of the model's HNSW index, VectorFull
	// or VectorHalf, fixed when the model is registered; retrieval casts
	// to it so that the index applies.
	VectorType string
}

// Vector types of an embedding model's index.
const (
	VectorFull = "vector"
	VectorHalf = "halfvec"
)

// ErrDimensionMismatch is returned when a model is registered again with a
// different dimension, which would make its index unusable.
var ErrDimensionMismatch = errors.New("embedding dimension differs from the registered one")

// RegisterEmbeddingModel records an embedding model and makes sure its
// partition and HNSW index exist, the index of the store's vector type (a
// model registered before keeps its own). Registering the same name and
// dimension again is a no-op.
func (s *Store) RegisterEmbeddingModel(ctx context.Context, name string, dims int, digest string) (EmbeddingModel, error) {
	var m EmbeddingModel
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, s.q("InsertEmbeddingModel"), name, dims, digest, s.vectorType).Scan(&m.ID, &m.Name, &m.Dimensions, &m.Digest, &m.VectorType)
		if errors.Is(err, pgx.ErrNoRows) { // already registered
			err = tx.QueryRow(ctx, s.q("GetEmbeddingModel"), name).Scan(&m.ID, &m.Name, &m.Dimensions, &m.Digest, &m.VectorType)
		}
		if err != nil {
			return err
		}
		if m.Dimensions != dims {
			return fmt.Errorf("%w: registered with %d, now %d", ErrDimensionMismatch, m.Dimensions, dims)
		}
		_, err = tx.Exec(ctx, s.q("AddEmbeddingPartition"), m.ID)
		return err
	})
	if err != nil {
		return EmbeddingModel{}, fmt.Errorf("store: register embedding model %s: %w", name, err)
	}
	return m, nil
}

// EmbeddingModel returns the registered model of that name, or ErrNotFound.
func (s *Store) EmbeddingModel(ctx context.Context, name string) (EmbeddingModel, error) {
	var m EmbeddingModel
	err := s.db.QueryRow(ctx, s.q("GetEmbeddingModel"), name).Scan(&m.ID, &m.Name, &m.Dimensions, &m.Digest, &m.VectorType)
	if errors.Is(err, pgx.ErrNoRows) {
		return m, fmt.Errorf("store: embedding model %s: %w", name, ErrNotFound)
	}
	if err != nil {
		return m, fmt.Errorf("store: embedding model %s: %w", name, err)
	}
	return m, nil
}

// sql fills the model's id, dimension and vector type into a query
// template.
func (m EmbeddingModel) sql(q string) string {
	typ := VectorFull
	if m.VectorType == VectorHalf {
		typ = VectorHalf
	}
	return strings.NewReplacer("{{id}}", strconv.Itoa(m.ID), "{{dims}}", strconv.Itoa(m.Dimensions), "{{type}}", typ).Replace(q)
}

// UpsertEmbeddings stores one vector per chunk for model m, replacing any
// earlier vector of the same chunk and model. Every vector must have the
// model's dimension.
func (s *Store) UpsertEmbeddings(ctx context.Context, m EmbeddingModel, chunkIDs []int64, vectors [][]float32) error {
	_, err := s.writeEmbeddings(ctx, "upsert", "UpsertEmbeddings", m, chunkIDs, vectors)
	return err
}

// writeEmbeddings runs query, a statement storing vectors of model m for
// chunkIDs (one each), and returns how many rows it wrote; verb names the
// write in errors.
func (s *Store) writeEmbeddings(ctx context.Context, verb, query string, m EmbeddingModel, chunkIDs []int64, vectors [][]float32) (int64, error) {
	if len(chunkIDs) != len(vectors) {
		return 0, fmt.Errorf("store: %s embeddings: %d chunk ids but %d vectors", verb, len(chunkIDs), len(vectors))
	}
	lits, bad := m.literals(vectors)
	if bad >= 0 {
		return 0, fmt.Errorf("store: embedding of chunk %d has %d dimensions, model %s has %d: %w",
			chunkIDs[bad], len(vectors[bad]), m.Name, m.Dimensions, ErrDimensionMismatch)
	}
	tag, err := s.db.Exec(ctx, s.q(query), m.ID, chunkIDs, lits)
	if err != nil {
		return 0, fmt.Errorf("store: %s %d embeddings for model %s: %w", verb, len(chunkIDs), m.Name, err)
	}
	return tag.RowsAffected(), nil
}

// literals formats vectors for a vector[] parameter. bad is the index of
// the first vector without the model's dimension, -1 when there is none
// (and then lits is complete).
func (m EmbeddingModel) literals(vectors [][]float32) (lits []string, bad int) {
	lits = make([]string, len(vectors))
	for i, v := range vectors {
		if len(v) != m.Dimensions {
			return nil, i
		}
		lits[i] = VectorLiteral(v)
	}
	return lits, -1
}

// VectorLiteral formats v as pgvector's text form, '[1,2,3]'.
func VectorLiteral(v []float32) string {
	return pgvector.NewVector(v).String()
}
