-- Embedding models and vectors.

-- name: GetEmbeddingModel
SELECT id, name, dimensions, digest, vector_type FROM embedding_models WHERE name = $1;

-- name: InsertEmbeddingModel
INSERT INTO embedding_models (name, dimensions, digest, vector_type) VALUES ($1, $2, $3, $4)
ON CONFLICT (name) DO NOTHING
RETURNING id, name, dimensions, digest, vector_type;

-- name: AddEmbeddingPartition
-- The model's partition and HNSW index, created by a SECURITY DEFINER
-- function of the schema owner (the embeddings_by_model migration): the servers' role may
-- run no DDL of its own.
SELECT civitas_add_embedding_partition($1);

-- name: EmbeddingIndexesToBuild
-- Models whose partition lacks its index, or has an invalid one (what a
-- failed concurrent build leaves behind), with the statement that drops
-- the invalid one ('' when none) and the one that builds it concurrently.
SELECT 'embeddings_hnsw_' || m.id,
       CASE WHEN c.oid IS NULL THEN ''
            ELSE format('DROP INDEX CONCURRENTLY IF EXISTS %I.%I', current_schema(), c.relname) END,
       civitas_embedding_index_sql(m.id, true)
FROM embedding_models m
LEFT JOIN pg_class c ON c.relname = 'embeddings_hnsw_' || m.id AND c.relnamespace = current_schema()::regnamespace
LEFT JOIN pg_index i ON i.indexrelid = c.oid
WHERE i.indisvalid IS NOT TRUE
  AND to_regclass(format('%I.%I', current_schema(), 'embeddings_' || m.id)) IS NOT NULL
ORDER BY m.id;

-- name: UpsertEmbeddings
INSERT INTO embeddings (chunk_id, model_id, embedding)
SELECT t.chunk_id, $1, t.embedding
FROM unnest($2::bigint[], $3::text[]::vector[]) AS t (chunk_id, embedding)
ON CONFLICT (chunk_id, model_id) DO UPDATE SET embedding = EXCLUDED.embedding;

-- name: CountEmbeddingsUpTo
-- How many vectors model $1's partition holds, counting no further than
-- $2: enough to tell a small partition from a large one cheaply.
SELECT count(*) FROM (SELECT 1 FROM embeddings WHERE model_id = $1 LIMIT $2) x;

-- name: DropEmbeddingIndex
-- Drops the model's HNSW index for a bulk load (the 0019 migration's
-- SECURITY DEFINER function); false when there was none.
SELECT civitas_drop_embedding_index($1);

-- name: EmbeddingIndexExists
SELECT to_regclass(format('%I.%I', current_schema(), 'embeddings_hnsw_' || $1::int)) IS NOT NULL;

-- name: BulkIndexSettings
-- Memory for building the HNSW index, for this transaction only: pgvector
-- builds the graph in maintenance_work_mem and falls back to a much
-- slower build on disk when it does not fit.
SELECT set_config('maintenance_work_mem', $1::text, true);
