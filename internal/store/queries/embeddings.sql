-- Embedding models and vectors.

-- name: GetEmbeddingModel
SELECT id, name, dimensions, digest FROM embedding_models WHERE name = $1;

-- name: InsertEmbeddingModel
INSERT INTO embedding_models (name, dimensions, digest) VALUES ($1, $2, $3)
ON CONFLICT (name) DO NOTHING
RETURNING id, name, dimensions, digest;

-- name: CreateEmbeddingIndex
-- {{id}} and {{dims}} are integers from embedding_models, never user text:
-- DDL cannot take parameters, and an expression index must name the
-- dimension so that HNSW can be built over a column of mixed dimensions.
CREATE INDEX IF NOT EXISTS embeddings_hnsw_{{id}} ON embeddings
    USING hnsw ((embedding::vector({{dims}})) vector_cosine_ops)
    WHERE model_id = {{id}};

-- name: UpsertEmbeddings
INSERT INTO embeddings (chunk_id, model_id, embedding)
SELECT t.chunk_id, $1, t.embedding
FROM unnest($2::bigint[], $3::text[]::vector[]) AS t (chunk_id, embedding)
ON CONFLICT (chunk_id, model_id) DO UPDATE SET embedding = EXCLUDED.embedding;
