-- Retention and data-subject requests.

-- name: StoredKey
SELECT key FROM pseudonym_key;

-- name: StoreKey
-- Two processes starting at once both try; the first key wins and both
-- read it back.
INSERT INTO pseudonym_key (key) VALUES ($1) ON CONFLICT DO NOTHING;

-- name: DueUsers
-- Users with records older than the cutoff not yet pseudonymised.
SELECT user_name FROM answers WHERE created_at < $1 AND pseudonymised_at IS NULL
UNION
SELECT user_name FROM conversations WHERE updated_at < $1 AND pseudonymised_at IS NULL;

-- name: PseudonymiseAnswers
-- The provenance stays (passages, models, prompt version, timings); the
-- person and what they wrote go.
UPDATE answers SET user_name = $2, question = '', answer = '', error = '', pseudonymised_at = now()
WHERE user_name = $1 AND created_at < $3 AND pseudonymised_at IS NULL
RETURNING id;

-- name: PseudonymiseConversations
UPDATE conversations SET user_name = $2, title = '', pseudonymised_at = now()
WHERE user_name = $1 AND updated_at < $3 AND pseudonymised_at IS NULL;

-- name: PseudonymiseFeedback
-- Feedback on answers that are now pseudonymous follows them.
UPDATE answer_feedback f SET user_name = $2, comment = ''
FROM answers a
WHERE a.id = f.answer_id AND a.user_name = $2 AND f.user_name = $1;

-- name: DeleteOldAnswers
DELETE FROM answers WHERE created_at < $1 RETURNING id;

-- name: DeleteOldConversations
DELETE FROM conversations WHERE updated_at < $1;

-- name: ExpireAnswerAuditPersonal
-- The asker and question recorded with each answer.created event expire
-- with the answer record ($2: 'answer:ID' of the records just handled;
-- $1: the cutoff, for events whose record went otherwise): keeping them
-- in the trail would defeat retention. The event itself (provenance)
-- stays, and its chain holds.
DELETE FROM audit_personal
WHERE audit_id IN (SELECT id FROM audit_log
                   WHERE action = 'answer.created' AND (at < $1 OR target = ANY($2::text[])))
RETURNING audit_id;

-- name: ExportConversations
-- Whole rows, so that columns added later are exported too.
SELECT coalesce(json_agg(c ORDER BY c.id), '[]')::text FROM conversations c WHERE c.user_name = ANY($1::text[]);

-- name: ExportAnswers
SELECT coalesce(json_agg(a ORDER BY a.id), '[]')::text FROM answers a WHERE a.user_name = ANY($1::text[]);

-- name: ExportFeedback
SELECT coalesce(json_agg(f ORDER BY f.created_at), '[]')::text FROM answer_feedback f WHERE f.user_name = ANY($1::text[]);

-- name: EraseFeedback
DELETE FROM answer_feedback WHERE user_name = ANY($1::text[]);

-- name: EraseAnswers
DELETE FROM answers WHERE user_name = ANY($1::text[]);

-- name: EraseConversations
DELETE FROM conversations WHERE user_name = ANY($1::text[]);

-- name: AuditPersonalOf
-- The audit events naming the user ($1: their name and pseudonym) that
-- have a personal part, with their action: those on legal hold keep it
-- (audit.OnLegalHold decides, in Go), the others lose it.
SELECT p.audit_id, l.action
FROM audit_personal p JOIN audit_log l ON l.id = p.audit_id
WHERE p.actor = ANY($1::text[]) OR p.subject = ANY($1::text[])
ORDER BY p.audit_id
FOR UPDATE OF p;

-- name: DeleteAuditPersonal
DELETE FROM audit_personal WHERE audit_id = ANY($1::bigint[])
RETURNING audit_id;

-- name: ExportAPIKeys
-- The keys issued to the user, without their hashes.
SELECT coalesce(json_agg(json_build_object(
    'id', id, 'prefix', prefix, 'name', name, 'user', user_name, 'groups', groups,
    'created_by', created_by, 'created_at', created_at, 'expires_at', expires_at,
    'last_used_at', last_used_at, 'revoked_at', revoked_at, 'revoked_by', revoked_by) ORDER BY id), '[]')::text
FROM api_keys WHERE user_name = ANY($1::text[]);

-- name: ExportSessions
-- The user's browser sessions, without their token hashes.
SELECT coalesce(json_agg(json_build_object(
    'groups', groups, 'subject', subject, 'created_at', created_at, 'last_seen_at', last_seen_at) ORDER BY created_at), '[]')::text
FROM auth_sessions WHERE user_name = ANY($1::text[]);

-- name: EraseSessions
-- Signs the user out everywhere.
DELETE FROM auth_sessions WHERE user_name = ANY($1::text[]);

-- name: EraseAPIKeys
-- A deleted key no longer authenticates: its hash is gone with it.
DELETE FROM api_keys WHERE user_name = ANY($1::text[]);

-- name: PseudonymiseKeyAdmins
-- Keys the user issued or revoked for others stay (their owners still
-- use them), naming the user by pseudonym only ($2).
UPDATE api_keys SET
    created_by = CASE WHEN created_by = ANY($1::text[]) THEN $2 ELSE created_by END,
    revoked_by = CASE WHEN revoked_by = ANY($1::text[]) THEN $2 ELSE revoked_by END
WHERE created_by = ANY($1::text[]) OR revoked_by = ANY($1::text[]);

-- name: DeleteOldJobs
-- Finished background jobs older than the cutoff: they name who started
-- them and hold their arguments (file names, who asked for a re-embed).
-- Queued and running jobs stay whatever their age.
DELETE FROM jobs
WHERE status IN ('done', 'failed', 'cancelled') AND coalesce(finished_at, updated_at) < $1;

-- name: ExportJobs
-- Background jobs the user started or that name them in their arguments
-- (a re-embed's "by"), whole rows.
SELECT coalesce(json_agg(j ORDER BY j.id), '[]')::text FROM jobs j
WHERE j.created_by = ANY($1::text[]) OR j.args->>'by' = ANY($1::text[]);

-- name: ExportModelChanges
-- Changes of the active models the user made, whole rows.
SELECT coalesce(json_agg(c ORDER BY c.id), '[]')::text FROM model_changes c WHERE c.changed_by = ANY($1::text[]);

-- name: ExportActiveModels
-- The active models the user was the last to set.
SELECT coalesce(json_agg(m ORDER BY m.role), '[]')::text FROM active_models m WHERE m.changed_by = ANY($1::text[]);

-- name: PseudonymiseJobs
-- Jobs stay (a running one must finish; finished ones go with retention)
-- but name the user only by pseudonym ($2), in created_by and in an
-- argument "by" (models.ReembedArgs).
UPDATE jobs SET
    created_by = CASE WHEN created_by = $1 THEN $2 ELSE created_by END,
    args = CASE WHEN args->>'by' = $1 THEN jsonb_set(args, '{by}', to_jsonb($2::text)) ELSE args END
WHERE created_by = $1 OR args->>'by' = $1;

-- name: PseudonymiseModelChanges
-- Which model was active when stays on record (answers' provenance); who
-- switched it becomes a pseudonym ($2).
UPDATE model_changes SET changed_by = $2 WHERE changed_by = $1;

-- name: PseudonymiseActiveModels
UPDATE active_models SET changed_by = $2 WHERE changed_by = $1;
