-- Document metadata changed in place (internal/insight): the writes of
-- collections and documents that insight's change needs, run in its
-- transaction. No new version, no new vectors: retrieval reads title,
-- collection and access groups from the documents row at query time.

-- name: MoveDocumentSource
-- Every version of document $1's source moves to collection id $2 (from
-- EnsureCollection): the history stays with its document.
-- Each version keeps the collections it left (metadata.moved_from), so an
-- ingest run into one of them does not add the source there again
-- (MovedAway).
UPDATE documents v SET collection_id = $2, updated_at = now(),
    metadata = jsonb_set(v.metadata, '{moved_from}',
        coalesce(v.metadata->'moved_from', '[]'::jsonb) || to_jsonb(oc.name))
FROM documents d JOIN collections oc ON oc.id = d.collection_id
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
