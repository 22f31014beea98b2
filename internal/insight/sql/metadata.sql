-- Document metadata changed in place: the reads that check a change.
-- The writes are store's (store/queries/metadata_writes.sql), run in the
-- same transaction.

-- name: LockDocument
-- The current version of document $1, locked for the change.
SELECT d.id, c.name, d.source_uri, d.title, d.access_groups
FROM documents d JOIN collections c ON c.id = d.collection_id
WHERE d.id = $1 AND d.superseded_by IS NULL
FOR UPDATE OF d;

-- name: HiddenInCollection
-- Whether collection $1 holds a current document the caller ($2: groups)
-- may not see: a knowledge manager manages the collections they see
-- whole.
SELECT EXISTS (
    SELECT 1 FROM documents d JOIN collections c ON c.id = d.collection_id
    WHERE c.name = $1 AND d.superseded_by IS NULL
      AND cardinality(d.access_groups) > 0 AND NOT d.access_groups && $2::text[]);

-- name: SourceTaken
-- Whether collection $1 holds a version of source $2 already.
SELECT EXISTS (SELECT 1 FROM documents d JOIN collections c ON c.id = d.collection_id
               WHERE c.name = $1 AND d.source_uri = $2);
