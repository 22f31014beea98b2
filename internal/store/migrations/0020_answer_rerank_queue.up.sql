-- 0020: an answer record says which reranker ordered its passages (empty:
-- none did, the fused order stands) and how long reranking and waiting
-- for the chat model behind other users' questions took (issue 15).
ALTER TABLE answers
    ADD COLUMN reranker  text    NOT NULL DEFAULT '',
    ADD COLUMN rerank_ms integer NOT NULL DEFAULT 0,
    ADD COLUMN queue_ms  integer NOT NULL DEFAULT 0;
