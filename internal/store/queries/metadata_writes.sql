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
-- The change is also kept in metadata.metadata_change, with the groups
-- the document was ingested with (ingested_groups), so that the next
-- ingest run of the same configuration keeps it (store.CurrentVersion's
-- Change) instead of silently undoing an admin's restriction.
UPDATE documents SET title = $2, access_groups = $3::text[], updated_at = now(),
    metadata = metadata || jsonb_build_object('metadata_change', jsonb_build_object(
        'title', $2::text, 'access_groups', to_jsonb($3::text[]),
        'ingested_groups', coalesce(metadata->'metadata_change'->'ingested_groups', to_jsonb(access_groups))))
WHERE id = $1;
