-- A user's own conversations: rename, delete, search. Every query names the
-- owner, so another user's conversation is never touched or found.

-- name: RenameConversation
UPDATE conversations SET title = $3, updated_at = now()
WHERE id = $1 AND user_name = $2
RETURNING id, user_name, title, created_at, updated_at;

-- name: DeleteConversation
-- Answers and their feedback go with it (ON DELETE CASCADE); the ids of
-- the answers removed are returned for the audit event.
WITH gone AS (
    DELETE FROM conversations WHERE id = $1 AND user_name = $2 RETURNING id
)
SELECT coalesce(array_agg(a.id ORDER BY a.id), '{}')::bigint[], (SELECT count(*) FROM gone)
FROM answers a WHERE a.conversation_id IN (SELECT id FROM gone);

-- name: SearchConversations
-- Conversations of $1 whose title, questions or answers contain $2 (a
-- plain substring, case-insensitive; LIKE's wildcards in it are escaped
-- by the caller).
SELECT c.id, c.user_name, c.title, c.created_at, c.updated_at
FROM conversations c
WHERE c.user_name = $1
  AND (c.title ILIKE '%' || $2 || '%'
       OR EXISTS (SELECT 1 FROM answers a WHERE a.conversation_id = c.id
                  AND (a.question ILIKE '%' || $2 || '%' OR a.answer ILIKE '%' || $2 || '%')))
ORDER BY c.updated_at DESC, c.id DESC
LIMIT $3;

-- name: CountConversations
-- How many conversations $1 has (an export says when it holds fewer).
SELECT count(*) FROM conversations WHERE user_name = $1;
