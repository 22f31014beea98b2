-- Documents, chunks and collections.

-- name: EnsureCollection
WITH ins AS (
    INSERT INTO collections (name) VALUES ($1)
    ON CONFLICT (name) DO NOTHING
    RETURNING id
)
SELECT id FROM ins
UNION ALL
SELECT id FROM collections WHERE name = $1
LIMIT 1;

-- name: InsertDocument
INSERT INTO documents (
    collection_id, source_uri, title, media_type, language, ts_config,
    content_hash, size_bytes, source_modified_at, page_count, version,
    access_groups, metadata)
VALUES ($1, $2, $3, $4, $5, $6::regconfig, $7, $8, $9, $10, $11, $12::text[], $13::jsonb)
RETURNING id, created_at;

-- name: InsertChunks
-- Bulk insert through unnest rather than COPY: PGlite cannot serve COPY
-- FROM STDIN, and one round trip per document is fast enough on both.
INSERT INTO chunks (document_id, ordinal, page_start, page_end, heading_path, content, token_count, ts_config,
                    compound_parts)
SELECT $1, t.ordinal, t.page_start, t.page_end,
       CASE WHEN t.heading = '' THEN '{}'::text[] ELSE string_to_array(t.heading, E'\x1f') END,
       t.content, t.token_count, $2::regconfig, t.parts
FROM unnest($3::int[], $4::int[], $5::int[], $6::text[], $7::text[], $8::int[], $9::text[])
    AS t (ordinal, page_start, page_end, heading, content, token_count, parts)
ORDER BY t.ordinal
RETURNING id;

-- name: GetDocument
SELECT d.id, c.name, d.source_uri, d.title, d.media_type, d.language, d.ts_config::text,
       d.content_hash, d.size_bytes, d.source_modified_at, d.page_count, d.version,
       d.superseded_by, d.access_groups, d.metadata, d.created_at, d.updated_at
FROM documents d
JOIN collections c ON c.id = d.collection_id
WHERE d.id = $1;

-- name: ListChunks
SELECT id, document_id, ordinal, page_start, page_end, heading_path, content, token_count
FROM chunks
WHERE document_id = $1
ORDER BY ordinal;

-- name: DeleteDocument
-- Chunks and embeddings go with it (ON DELETE CASCADE); older versions
-- that pointed at it keep their record with superseded_by set to NULL by
-- the foreign key, so they are deleted too to leave no current orphan.
WITH RECURSIVE history AS (
    SELECT id FROM documents WHERE id = $1
    UNION
    SELECT d.id FROM documents d JOIN history h ON d.superseded_by = h.id
)
DELETE FROM documents WHERE id IN (SELECT id FROM history);

-- name: CountRows
SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM chunks), (SELECT count(*) FROM embeddings);
