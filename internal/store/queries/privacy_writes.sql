-- Writes of retention and data-subject erasure (internal/privacy) to the
-- store's tables, run in privacy's transaction (privacy_writes.go).

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

-- name: EraseFeedback
DELETE FROM answer_feedback WHERE user_name = ANY($1::text[]);

-- name: EraseAnswers
DELETE FROM answers WHERE user_name = ANY($1::text[]);

-- name: EraseConversations
DELETE FROM conversations WHERE user_name = ANY($1::text[]);

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

-- name: PseudonymiseModelChanges
-- Which model was active when stays on record (answers' provenance); who
-- switched it becomes a pseudonym ($2).
UPDATE model_changes SET changed_by = $2 WHERE changed_by = $1;

-- name: PseudonymiseActiveModels
UPDATE active_models SET changed_by = $2 WHERE changed_by = $1;
