-- Document metadata changed in place (internal/insight): the writes of
-- collections and documents that insight's change needs, run in its
-- transaction. No new version, no new vectors: retrieval reads title,
-- collection and access groups from the documents row at query time.

-- name: MoveDocumentSource
-- Every version of document $1's source moves to collection id $2 (from
-- EnsureCollection): the history stays with its document.
UPDATE documents v SET collection_id = $2, updated_at = now()
FROM documents d
WHERE d.id = $1 AND v.collection_id = d.collection_id AND v.source_uri = d.source_uri;

-- name: SetDocumentTitleGroups
UPDATE documents SET title = $2, access_groups = $3::text[], updated_at = now() WHERE id = $1;
