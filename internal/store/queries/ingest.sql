-- Ingest: current versions, claims, version writes and pruning.

-- name: CurrentDocument
SELECT id, version, content_hash, access_groups, metadata->'metadata_change'
FROM documents
WHERE collection_id = $1 AND source_uri = $2 AND superseded_by IS NULL
ORDER BY version DESC
LIMIT 1;

-- name: MovedAway
-- The collection source $2 was moved to from collection $1 by a metadata
-- change (store's MoveDocumentSource records it on every version).
SELECT c.name FROM documents d JOIN collections c ON c.id = d.collection_id
WHERE d.source_uri = $2 AND d.metadata->'moved_from' ? $1::text
ORDER BY d.id DESC
LIMIT 1;

-- name: ChunksMissingEmbedding
SELECT c.id, c.content
FROM chunks c
WHERE c.document_id = $1
  AND NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.chunk_id = c.id AND e.model_id = $2)
ORDER BY c.ordinal;

-- name: ClaimSource
-- Takes the claim when it is free, expired, or already ours.
INSERT INTO ingest_claims (collection_id, source_uri, owner, host, pid, expires_at)
VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6))
ON CONFLICT (collection_id, source_uri) DO UPDATE
    SET owner = EXCLUDED.owner, host = EXCLUDED.host, pid = EXCLUDED.pid,
        claimed_at = now(), expires_at = EXCLUDED.expires_at
    WHERE ingest_claims.expires_at < now() OR ingest_claims.owner = EXCLUDED.owner
RETURNING owner;

-- name: GetClaim
SELECT owner, host, pid FROM ingest_claims WHERE collection_id = $1 AND source_uri = $2;

-- name: StealClaim
-- Takes over a claim whose owner the caller has found dead.
UPDATE ingest_claims
SET owner = $4, host = $5, pid = $6, claimed_at = now(), expires_at = now() + make_interval(secs => $7)
WHERE collection_id = $1 AND source_uri = $2 AND owner = $3;

-- name: RenewClaims
UPDATE ingest_claims SET expires_at = now() + make_interval(secs => $2) WHERE owner = $1;

-- name: ReleaseClaim
DELETE FROM ingest_claims WHERE collection_id = $1 AND source_uri = $2 AND owner = $3;

-- name: SupersedeDocument
-- Only the version the writer started from may be superseded: if another
-- writer got there first, nothing matches and the write rolls back.
UPDATE documents SET superseded_by = $2, updated_at = now()
WHERE id = $1 AND superseded_by IS NULL;

-- name: UpdateAccessGroups
-- Only while the row is the current version with the content the caller
-- compared: a version written meanwhile keeps its own groups.
-- An ingest run's groups replace a metadata change's (a deliberate change
-- of the ingest configuration): the change is no longer kept.
UPDATE documents SET access_groups = $2::text[], updated_at = now(), metadata = metadata - 'metadata_change'
WHERE id = $1 AND superseded_by IS NULL AND content_hash = $3
RETURNING access_groups;

-- name: DeleteChunksOf
DELETE FROM chunks WHERE document_id = $1;

-- name: CurrentSourcesUnder
SELECT id, source_uri FROM documents
WHERE collection_id = $1 AND superseded_by IS NULL AND starts_with(source_uri, $2);

-- name: InsertVersion
-- A document version with its chunks and their vectors in one statement:
-- one round trip per document, whatever its length. Data-modifying CTEs
-- all run, and the chunk ids flow to the embeddings through their ordinal.
WITH doc AS (
    INSERT INTO documents (
        collection_id, source_uri, title, media_type, language, ts_config,
        content_hash, size_bytes, source_modified_at, page_count, version,
        access_groups, metadata)
    SELECT c.id, $2, $3, $4, $5, $6::regconfig, $7, $8, $9, $10, $11, $12::text[], $13::jsonb
    FROM collections c WHERE c.name = $1
    RETURNING id, created_at
), ch AS (
    INSERT INTO chunks (document_id, ordinal, page_start, page_end, heading_path, content, token_count, ts_config,
                        compound_parts)
    SELECT doc.id, t.ordinal, t.page_start, t.page_end,
           CASE WHEN t.heading = '' THEN '{}'::text[] ELSE string_to_array(t.heading, E'\x1f') END,
           t.content, t.token_count, $6::regconfig, t.parts
    FROM doc, unnest($14::int[], $15::int[], $16::int[], $17::text[], $18::text[], $19::int[], $22::text[])
        AS t (ordinal, page_start, page_end, heading, content, token_count, parts)
    RETURNING id, ordinal
), emb AS (
    INSERT INTO embeddings (chunk_id, model_id, embedding)
    SELECT ch.id, $20, v.embedding
    FROM ch JOIN unnest($14::int[], $21::text[]::vector[]) AS v (ordinal, embedding) ON v.ordinal = ch.ordinal
    WHERE v.embedding IS NOT NULL -- none in a lexical-only write (unnest pads with NULL)
)
SELECT id, created_at FROM doc;

-- name: DeleteExpiredClaims
DELETE FROM ingest_claims WHERE collection_id = $1 AND expires_at < now();

-- name: ClaimsOf
SELECT source_uri, owner, host, pid FROM ingest_claims WHERE collection_id = $1;
