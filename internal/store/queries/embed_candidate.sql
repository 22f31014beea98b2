-- name: ChunksToEmbedIn
-- The next current chunks of the named collections (none: all), in id
-- order after @after, that have no vector from model @model: what an
-- evaluation of a candidate embedding model must embed first.
SELECT c.id, c.content
FROM chunks c
JOIN documents d ON d.id = c.document_id AND d.superseded_by IS NULL
WHERE c.id > @after
  AND (cardinality(@collections::text[]) = 0
       OR d.collection_id IN (SELECT col.id FROM collections col WHERE col.name = ANY (@collections::text[])))
  AND NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.chunk_id = c.id AND e.model_id = @model)
ORDER BY c.id
LIMIT @limit;
