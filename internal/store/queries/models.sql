-- Active models, their history, and the re-embedding of chunks.

-- name: ActiveModels
SELECT role, model, digest, since, changed_by FROM active_models ORDER BY role;

-- name: SeedActiveModel
-- Writes the role only when it has no row: the database wins over flags.
INSERT INTO active_models (role, model, digest, changed_by) VALUES ($1, $2, $3, $4)
ON CONFLICT (role) DO NOTHING
RETURNING role;

-- name: LockActiveModel
-- Taken by a switch, so that two admins switching at once serialise and
-- each records the model it really replaced.
SELECT model, digest FROM active_models WHERE role = $1 FOR UPDATE;

-- name: SetActiveModel
INSERT INTO active_models (role, model, digest, changed_by, since) VALUES ($1, $2, $3, $4, now())
ON CONFLICT (role) DO UPDATE SET model = EXCLUDED.model, digest = EXCLUDED.digest,
    changed_by = EXCLUDED.changed_by, since = now();

-- name: InsertModelChange
INSERT INTO model_changes (changed_by, role, from_model, to_model, from_digest, to_digest, note)
VALUES ($1, $2, $3, $4, $5, $6, $7);

-- name: ModelChanges
SELECT at, changed_by, role, from_model, to_model, from_digest, to_digest, note
FROM model_changes ORDER BY at DESC, id DESC LIMIT $1;

-- name: ChunksToReembed
-- The next current chunks, in id order after $2, that have no vector from
-- model $1: what a re-embed still has to do. Chunks of superseded document
-- versions are never searched, so they are not embedded.
SELECT c.id, c.content
FROM chunks c
JOIN documents d ON d.id = c.document_id AND d.superseded_by IS NULL
WHERE c.id > $2
  AND NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.chunk_id = c.id AND e.model_id = $1)
ORDER BY c.id
LIMIT $3;

-- name: EmbeddingCoverage
-- How many current chunks there are, and how many have a vector from
-- model $1.
SELECT count(*) AS total,
       count(*) FILTER (WHERE EXISTS (
           SELECT 1 FROM embeddings e WHERE e.chunk_id = c.id AND e.model_id = $1)) AS done
FROM chunks c
JOIN documents d ON d.id = c.document_id AND d.superseded_by IS NULL;

-- name: InsertMissingEmbeddings
-- Adds vectors that are not there yet and leaves those that are: a
-- re-embed run again after a crash never writes a chunk twice.
INSERT INTO embeddings (chunk_id, model_id, embedding)
SELECT t.chunk_id, $1, t.embedding
FROM unnest($2::bigint[], $3::text[]::vector[]) AS t (chunk_id, embedding)
JOIN chunks c ON c.id = t.chunk_id
ON CONFLICT (chunk_id, model_id) DO NOTHING;

-- name: DropEmbeddingPartition
-- The model's partition goes whole, its index with it (a SECURITY DEFINER
-- function of the schema owner, the embeddings_by_model migration); returns how many vectors
-- it held.
SELECT civitas_drop_embedding_partition($1);

-- name: DeleteEmbeddingModel
DELETE FROM embedding_models WHERE id = $1;

-- name: EmbeddingModels
SELECT id, name, dimensions, digest, vector_type FROM embedding_models ORDER BY name;
