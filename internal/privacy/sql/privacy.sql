-- Retention and data-subject requests: the pseudonym key (this package's
-- table) and what they read. What they change in other packages' tables
-- is done by those packages (sqlfile.TableOwners), in privacy's
-- transaction: store/queries/privacy_writes.sql, audit/sql/erase.sql,
-- jobs/privacy.sql.

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

-- name: ExportConversations
-- Whole rows, so that columns added later are exported too.
SELECT coalesce(json_agg(c ORDER BY c.id), '[]')::text FROM conversations c WHERE c.user_name = ANY($1::text[]);

-- name: ExportAnswers
SELECT coalesce(json_agg(a ORDER BY a.id), '[]')::text FROM answers a WHERE a.user_name = ANY($1::text[]);

-- name: ExportFeedback
SELECT coalesce(json_agg(f ORDER BY f.created_at), '[]')::text FROM answer_feedback f WHERE f.user_name = ANY($1::text[]);

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
