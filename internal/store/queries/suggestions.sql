-- Example questions per collection (suggestions.go).

-- name: VisibleSuggestions
-- The example questions of the collections in which the caller may see at
-- least one current document: a collection they cannot see is not named.
SELECT c.name, s.questions
FROM collection_suggestions s JOIN collections c ON c.id = s.collection_id
WHERE cardinality(s.questions) > 0
  AND EXISTS (SELECT 1 FROM documents d WHERE d.collection_id = c.id AND d.superseded_by IS NULL
              AND (cardinality(d.access_groups) = 0 OR d.access_groups && $1::text[]))
ORDER BY c.name;

-- name: SetSuggestions
-- Returns no row when the collection does not exist.
INSERT INTO collection_suggestions (collection_id, questions, updated_at)
SELECT id, $2::text[], now() FROM collections WHERE name = $1
ON CONFLICT (collection_id) DO UPDATE SET questions = excluded.questions, updated_at = now()
RETURNING collection_id;
