-- Document metadata changed in place (no new version, no new vectors):
-- retrieval reads title, collection and access groups from the documents
-- row at query time, so a change holds for the next question.

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

-- name: EnsureCollection
INSERT INTO collections (name) VALUES ($1) ON CONFLICT (name) DO NOTHING;

-- name: SourceTaken
-- Whether collection $1 holds a version of source $2 already.
SELECT EXISTS (SELECT 1 FROM documents d JOIN collections c ON c.id = d.collection_id
               WHERE c.name = $1 AND d.source_uri = $2);

-- name: MoveSource
-- Every version of document $1's source moves to collection $2: the
-- history stays with its document.
UPDATE documents v SET collection_id = (SELECT id FROM collections WHERE name = $2), updated_at = now()
FROM documents d
WHERE d.id = $1 AND v.collection_id = d.collection_id AND v.source_uri = d.source_uri;

-- name: SetTitleGroups
UPDATE documents SET title = $2, access_groups = $3::text[], updated_at = now() WHERE id = $1;
