-- The transparency record: the admin's free-text fields and the system
-- state it is generated from.

-- name: TransparencyFields
SELECT fields, updated_at FROM transparency_fields WHERE one;

-- name: SaveTransparencyFields
INSERT INTO transparency_fields (one, fields, updated_at) VALUES (true, $1::jsonb, now())
ON CONFLICT (one) DO UPDATE SET fields = EXCLUDED.fields, updated_at = now()
RETURNING updated_at;

-- name: ActiveModelRows
SELECT role, model, digest, since FROM active_models ORDER BY role;

-- name: LastModelChange
SELECT max(at) FROM model_changes;

-- name: CollectionFacts
-- Per collection: current documents, of them restricted to access
-- groups, golden questions, and the newest document change.
SELECT c.name,
       count(d.id),
       count(d.id) FILTER (WHERE cardinality(d.access_groups) > 0),
       (SELECT count(*) FROM golden_questions g WHERE g.collection_id = c.id),
       max(d.updated_at)
FROM collections c
LEFT JOIN documents d ON d.collection_id = c.id AND d.superseded_by IS NULL
GROUP BY c.id, c.name
ORDER BY c.name;

-- name: LastGoldenCheck
-- The newest scoring of the golden questions (internal/modeladmin's guard of
-- an embedding switch): its details and time.
SELECT details::text, at FROM audit_log
WHERE action = 'admin.model.golden_checked'
ORDER BY id DESC LIMIT 1;

-- name: AnswerCounts
-- Answers of the last 30 days by mode, and their ratings.
SELECT count(*),
       count(*) FILTER (WHERE mode = 'answer'),
       count(*) FILTER (WHERE mode = 'not_covered'),
       count(*) FILTER (WHERE EXISTS (SELECT 1 FROM answer_feedback f WHERE f.answer_id = a.id AND f.rating = 'up')),
       count(*) FILTER (WHERE EXISTS (SELECT 1 FROM answer_feedback f WHERE f.answer_id = a.id AND f.rating = 'down'))
FROM answers a WHERE a.created_at >= now() - interval '30 days';
