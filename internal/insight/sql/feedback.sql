-- Feedback review (migration 0016): rated answers for knowledge managers.
--
-- An answer is reviewable by a caller ($groups) when they may see every
-- source it rests on, the version it cited and its source's current
-- version (as store's VisibleDocumentIDs and golden.sql decide): an
-- answer from documents they cannot see would show those documents'
-- passages. An answer without sources rests on nothing to hide.

-- name: FeedbackReview
-- $1: collection name ('' all; an answer belongs to the collections of
-- its sources), $2: the caller's groups, $3: 'open', 'handled' or '' for
-- both, $4: rating 'up', 'down' or '' for both, $5: at most this many,
-- $6: one answer id, 0 for all.
SELECT a.id, a.question, a.answer, a.mode, a.sources, a.citations, a.chat_model, a.created_at,
       f.user_name, f.rating, f.comment, f.created_at,
       coalesce(r.outcome, ''), coalesce(r.note, ''), r.handled_at,
       EXISTS (SELECT 1 FROM golden_questions g WHERE g.answer_id = a.id)
FROM answer_feedback f
JOIN answers a ON a.id = f.answer_id
LEFT JOIN feedback_reviews r ON r.answer_id = a.id
WHERE ($6::bigint = 0 OR a.id = $6::bigint)
  AND ($4::text = '' OR f.rating = $4::text)
  AND ($3::text = '' OR ($3::text = 'open') = (r.answer_id IS NULL))
  AND ($1::text = '' OR EXISTS (
        SELECT 1 FROM jsonb_array_elements(CASE jsonb_typeof(a.sources) WHEN 'array' THEN a.sources ELSE '[]' END) src
        JOIN documents d ON d.id = (src->>'document_id')::bigint
        JOIN collections c ON c.id = d.collection_id
        WHERE c.name = $1::text))
  AND NOT EXISTS (
        SELECT 1 FROM jsonb_array_elements(CASE jsonb_typeof(a.sources) WHEN 'array' THEN a.sources ELSE '[]' END) src
        LEFT JOIN documents d ON d.id = (src->>'document_id')::bigint
        LEFT JOIN documents cur ON cur.collection_id = d.collection_id
             AND cur.source_uri = d.source_uri AND cur.superseded_by IS NULL
        WHERE d.id IS NOT NULL
          AND NOT ((cardinality(d.access_groups) = 0 OR d.access_groups && $2::text[])
                   AND (cur.id IS NULL OR cardinality(cur.access_groups) = 0 OR cur.access_groups && $2::text[])))
ORDER BY f.created_at DESC, a.id DESC
LIMIT $5;

-- name: UpsertReview
-- Handling again replaces the earlier note (the latest word counts).
INSERT INTO feedback_reviews (answer_id, outcome, note) VALUES ($1, $2, $3)
ON CONFLICT (answer_id) DO UPDATE SET outcome = EXCLUDED.outcome, note = EXCLUDED.note, handled_at = now()
RETURNING handled_at;


-- name: VisibleDocuments
-- Of the documents $1, those the caller ($2: groups) may see: the version
-- and its source's current version both (as store's VisibleDocumentIDs).
SELECT d.id
FROM documents d
JOIN documents cur ON cur.collection_id = d.collection_id AND cur.source_uri = d.source_uri AND cur.superseded_by IS NULL
WHERE d.id = ANY ($1::bigint[])
  AND (cardinality(d.access_groups) = 0 OR d.access_groups && $2::text[])
  AND (cardinality(cur.access_groups) = 0 OR cur.access_groups && $2::text[]);
