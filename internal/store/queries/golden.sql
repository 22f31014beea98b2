-- Golden questions (migration 0015).

-- name: ListGolden
-- $1: a collection name, '' for all. $2: the caller's groups, NULL for
-- every question (the switch guard). A question whose gold file is a
-- current document of its collection that the caller may not see is left
-- out: its quote and answer come from that document.
SELECT g.id, col.name, g.question, g.file, g.pages, g.quote, g.answer, g.language, g.origin,
       g.answer_id, g.created_at
FROM golden_questions g
JOIN collections col ON col.id = g.collection_id
WHERE ($1 = '' OR col.name = $1)
  AND ($2::text[] IS NULL OR NOT EXISTS (
        SELECT 1 FROM documents d
        WHERE d.collection_id = g.collection_id AND d.superseded_by IS NULL
          AND right(d.source_uri, length(g.file)) = g.file
          AND cardinality(d.access_groups) > 0 AND NOT d.access_groups && $2::text[]))
ORDER BY col.name, g.id;

-- name: InsertGolden
-- A question already kept for the collection is left alone (no row back).
INSERT INTO golden_questions (collection_id, question, file, pages, quote, answer, language, origin, answer_id)
SELECT col.id, $2, $3, $4::int[], $5, $6, $7, $8, $9
FROM collections col WHERE col.name = $1
ON CONFLICT (collection_id, question) DO NOTHING
RETURNING id, created_at;

-- name: DeleteGolden
DELETE FROM golden_questions WHERE id = $1 RETURNING id;

-- name: HelpfulAnswers
-- Answers rated helpful (thumbs up) that cite a source and are not golden
-- questions yet, newest first: the candidates a knowledge manager may
-- promote, of those whose sources the caller may see ($2: groups). Who
-- asked is not shown.
SELECT a.id, a.question, a.answer, a.sources, a.citations, max(f.created_at) AS rated_at
FROM answers a
JOIN answer_feedback f ON f.answer_id = a.id AND f.rating = 'up'
WHERE a.mode = 'answer' AND jsonb_typeof(a.sources) = 'array' AND jsonb_array_length(CASE jsonb_typeof(a.sources) WHEN 'array' THEN a.sources ELSE '[]' END) > 0
  AND NOT EXISTS (SELECT 1 FROM golden_questions g WHERE g.answer_id = a.id)
  -- an answer whose documents are all gone has no gold left to point at
  AND EXISTS (SELECT 1 FROM jsonb_array_elements(a.sources) src
              JOIN documents d ON d.id = (src->>'document_id')::bigint)
  -- every source the caller ($2: groups) may still see, as in
  -- VisibleDocumentIDs: the version and its source's current version
  AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements(CASE jsonb_typeof(a.sources) WHEN 'array' THEN a.sources ELSE '[]' END) src
                  JOIN documents d ON d.id = (src->>'document_id')::bigint
                  LEFT JOIN documents cur ON cur.collection_id = d.collection_id
                       AND cur.source_uri = d.source_uri AND cur.superseded_by IS NULL
                  WHERE NOT ((cardinality(d.access_groups) = 0 OR d.access_groups && $2::text[])
                             AND cur.id IS NOT NULL
                             AND (cardinality(cur.access_groups) = 0 OR cur.access_groups && $2::text[])))
GROUP BY a.id
ORDER BY rated_at DESC, a.id DESC
LIMIT $1;

-- name: HelpfulAnswer
-- One answer, when it was rated helpful and the caller may see its sources.
SELECT a.id, a.question, a.answer, a.sources, a.citations, max(f.created_at)
FROM answers a
JOIN answer_feedback f ON f.answer_id = a.id AND f.rating = 'up'
WHERE a.id = $1 AND a.mode = 'answer'
  -- an answer without a list of sources has no gold to point at
  AND jsonb_typeof(a.sources) = 'array' AND jsonb_array_length(CASE jsonb_typeof(a.sources) WHEN 'array' THEN a.sources ELSE '[]' END) > 0
  -- every source the caller ($2: groups) may still see, as in
  -- VisibleDocumentIDs: the version and its source's current version
  AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements(CASE jsonb_typeof(a.sources) WHEN 'array' THEN a.sources ELSE '[]' END) src
                  JOIN documents d ON d.id = (src->>'document_id')::bigint
                  LEFT JOIN documents cur ON cur.collection_id = d.collection_id
                       AND cur.source_uri = d.source_uri AND cur.superseded_by IS NULL
                  WHERE NOT ((cardinality(d.access_groups) = 0 OR d.access_groups && $2::text[])
                             AND cur.id IS NOT NULL
                             AND (cardinality(cur.access_groups) = 0 OR cur.access_groups && $2::text[])))
GROUP BY a.id;

-- name: DocumentCollection
SELECT col.name, d.source_uri
FROM documents d JOIN collections col ON col.id = d.collection_id
WHERE d.id = $1;

-- name: AllAccessGroups
-- Every access group of a current document: what a check that must see
-- every document (the golden-question guard) searches with.
SELECT coalesce(array_agg(DISTINCT g ORDER BY g), '{}')
FROM documents d, unnest(d.access_groups) AS g
WHERE d.superseded_by IS NULL;

-- name: CollectionExists
SELECT EXISTS (SELECT 1 FROM collections WHERE name = $1);

-- name: AnswerGoldSnippet
-- The snippet of the source an answer cites first (else its first
-- source).
SELECT coalesce(src->>'snippet', '')
FROM answers a, jsonb_array_elements(a.sources) src
WHERE a.id = $1
ORDER BY (src->>'n')::int = coalesce((a.citations->0->>'n')::int, 1) DESC, (src->>'n')::int
LIMIT 1;
