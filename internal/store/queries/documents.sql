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
-- All versions of the source of document $1, whichever version $1 is;
-- chunks and embeddings go with them (ON DELETE CASCADE). It returns what
-- the audit trail records of each deleted version.
DELETE FROM documents v
USING documents d
WHERE d.id = $1 AND v.collection_id = d.collection_id AND v.source_uri = d.source_uri
RETURNING v.id, v.version, encode(v.content_hash, 'hex');

-- name: CountRows
SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM chunks), (SELECT count(*) FROM embeddings);
