-- The document library of the knowledge managers' page: every current
-- document with its counts, the versions of one source, and deleting a
-- source with all its versions.

-- name: LibraryCollections
SELECT c.name, count(d.id)
FROM collections c
LEFT JOIN documents d ON d.collection_id = c.id AND d.superseded_by IS NULL
GROUP BY c.name
ORDER BY c.name;

-- name: LibraryDocuments
-- Current versions, with their chunk count and how many versions their
-- source has had. $1 = '' lists every collection.
SELECT d.id, c.name, d.source_uri, d.title, d.media_type, d.language, d.page_count,
       (SELECT count(*) FROM chunks k WHERE k.document_id = d.id),
       d.version,
       (SELECT count(*) FROM documents v WHERE v.collection_id = d.collection_id AND v.source_uri = d.source_uri),
       d.access_groups, d.size_bytes, d.created_at
FROM documents d
JOIN collections c ON c.id = d.collection_id
WHERE d.superseded_by IS NULL AND ($1::text = '' OR c.name = $1::text)
ORDER BY c.name, lower(d.title), d.id
LIMIT $2;

-- name: LibraryVersions
-- Every version of the source of document $1, newest first. Superseded
-- versions keep their row but not their chunks (see WriteVersion).
SELECT v.id, v.version, v.content_hash, v.page_count,
       (SELECT count(*) FROM chunks k WHERE k.document_id = v.id),
       v.size_bytes, v.created_at, v.superseded_by IS NULL
FROM documents d
JOIN documents v ON v.collection_id = d.collection_id AND v.source_uri = d.source_uri
WHERE d.id = $1
ORDER BY v.version DESC;

