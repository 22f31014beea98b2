-- Conversations and recorded answers.

-- name: CreateConversation
INSERT INTO conversations (user_name, title) VALUES ($1, $2)
RETURNING id, user_name, title, created_at, updated_at;

-- name: GetConversation
-- Only its owner sees a conversation; anybody else gets no row, exactly as
-- if it did not exist.
SELECT id, user_name, title, created_at, updated_at
FROM conversations WHERE id = $1 AND user_name = $2;

-- name: ListConversations
SELECT id, user_name, title, created_at, updated_at
FROM conversations WHERE user_name = $1
ORDER BY updated_at DESC, id DESC
LIMIT $2;

-- name: TouchConversation
UPDATE conversations SET updated_at = now() WHERE id = $1;

-- name: InsertAnswer
INSERT INTO answers (
    conversation_id, user_name, question, answer, mode, language, retrieval_mode,
    sources, citations, retrieved_chunk_ids, cited_chunk_ids,
    chat_model, chat_digest, embed_model, prompt_version,
    retrieval_ms, first_token_ms, total_ms, prompt_tokens, generated_tokens, error,
    reranker, rerank_ms, queue_ms)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9::jsonb, $10::bigint[], $11::bigint[],
        $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24)
RETURNING id, created_at;

-- name: ListAnswers
SELECT id, conversation_id, user_name, question, answer, mode, language, retrieval_mode,
       sources, citations, retrieved_chunk_ids, cited_chunk_ids,
       chat_model, chat_digest, embed_model, prompt_version,
       retrieval_ms, first_token_ms, total_ms, prompt_tokens, generated_tokens, error, created_at,
       reranker, rerank_ms, queue_ms
FROM answers WHERE conversation_id = $1
ORDER BY id;

-- name: GetVisibleDocument
-- A document is visible to a caller when it is the current version of its
-- source and public (no access groups) or shares a group with the caller.
SELECT d.id, c.name, d.source_uri, d.title, d.media_type, d.language, d.version, d.page_count, d.superseded_by,
       d.content_hash
FROM documents d JOIN collections c ON c.id = d.collection_id
WHERE d.id = $1 AND d.superseded_by IS NULL
  AND (cardinality(d.access_groups) = 0 OR d.access_groups && $2::text[]);

-- name: GetAnyDocumentVersion
SELECT d.id, c.name, d.source_uri, d.title, d.media_type, d.language, d.version, d.page_count, d.superseded_by,
       d.content_hash
FROM documents d JOIN collections c ON c.id = d.collection_id
WHERE d.id = $1;

-- name: VisibleDocumentIDs
-- Of the documents $1, those a caller in groups $2 may still see: the
-- version itself and the current version of its source are both public
-- or share a group with the caller (a superseded version's row keeps the
-- groups it had, which may be wider). Deleted documents, or a source whose
-- current version is gone, are not returned.
SELECT d.id
FROM documents d
JOIN documents cur ON cur.collection_id = d.collection_id AND cur.source_uri = d.source_uri
                  AND cur.superseded_by IS NULL
WHERE d.id = ANY($1::bigint[])
  AND (cardinality(d.access_groups) = 0 OR d.access_groups && $2::text[])
  AND (cardinality(cur.access_groups) = 0 OR cur.access_groups && $2::text[]);
