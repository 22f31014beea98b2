-- Gaps and usage, from the answer records (migration 0003).

-- name: GapQuestions
-- Questions the documents did not answer: "not covered" (nothing
-- relevant was retrieved) or answered citing no passage (low evidence),
-- since $1, newest first, at most $4. $2: the caller's groups; an answer
-- with sources counts only when the caller may see all of them. $3: a
-- collection ('' all): an answer belongs to its sources' collections, and
-- a "not covered" answer, which has none, to every collection (the chat
-- does not record which collections were searched).
-- The last column, shown: the answer rests on sources (all visible to
-- the caller): only such a question's text is shown; "not covered" ones
-- are counted and clustered but their texts withheld (gaps.go).
SELECT a.id, a.question, a.mode, a.language, a.created_at,
       jsonb_typeof(a.sources) = 'array' AND jsonb_array_length(a.sources) > 0
FROM answers a
WHERE a.created_at >= $1 AND a.question <> ''
  AND (a.mode = 'not_covered' OR (a.mode = 'answer' AND cardinality(a.cited_chunk_ids) = 0))
  AND ($3::text = '' OR a.mode = 'not_covered' OR EXISTS (
        SELECT 1 FROM jsonb_array_elements(CASE jsonb_typeof(a.sources) WHEN 'array' THEN a.sources ELSE '[]' END) src
        JOIN documents d ON d.id = (src->>'document_id')::bigint
        JOIN collections c ON c.id = d.collection_id
        WHERE c.name = $3::text))
  AND NOT EXISTS (
        SELECT 1 FROM jsonb_array_elements(CASE jsonb_typeof(a.sources) WHEN 'array' THEN a.sources ELSE '[]' END) src
        LEFT JOIN documents d ON d.id = (src->>'document_id')::bigint
        LEFT JOIN documents cur ON cur.collection_id = d.collection_id
             AND cur.source_uri = d.source_uri AND cur.superseded_by IS NULL
        WHERE d.id IS NOT NULL
          AND NOT ((cardinality(d.access_groups) = 0 OR d.access_groups && $2::text[])
                   AND (cur.id IS NULL OR cardinality(cur.access_groups) = 0 OR cur.access_groups && $2::text[])))
ORDER BY a.created_at DESC, a.id DESC
LIMIT $4;

-- name: UsageAnswers
-- Every answer record in [$1, $2), at most $3, with what the dashboard
-- counts: no user name, no text. collections: the collections of its
-- sources' documents (none for an answer without sources).
SELECT a.created_at, a.mode, a.chat_model,
       a.first_token_ms, a.total_ms, a.error <> '',
       coalesce((SELECT f.rating FROM answer_feedback f WHERE f.answer_id = a.id ORDER BY f.created_at DESC LIMIT 1), ''),
       ARRAY(SELECT DISTINCT c.name
             FROM jsonb_array_elements(CASE jsonb_typeof(a.sources) WHEN 'array' THEN a.sources ELSE '[]' END) src
             JOIN documents d ON d.id = (src->>'document_id')::bigint
             JOIN collections c ON c.id = d.collection_id
             ORDER BY c.name)
FROM answers a
WHERE a.created_at >= $1 AND a.created_at < $2
ORDER BY a.created_at, a.id
LIMIT $3;
