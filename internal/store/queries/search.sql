-- Retrieval primitives. Only current document versions are searched.

-- name: SearchVector
-- The ORDER BY repeats the index expression (embedding::vector(dims)) and
-- the WHERE names the model, so the planner can walk that model's partial
-- HNSW index; the joins sit outside the index scan instead of wrapping the
-- table in a materialised CTE, which would force an exact scan.
SELECT c.id, c.document_id, d.title, d.source_uri, c.page_start, c.page_end, c.heading_path, c.content,
       e.embedding::vector({{dims}}) <=> $2::text::vector({{dims}}) AS distance
FROM embeddings e
JOIN chunks c ON c.id = e.chunk_id
JOIN documents d ON d.id = c.document_id
WHERE e.model_id = $1 AND d.superseded_by IS NULL
ORDER BY e.embedding::vector({{dims}}) <=> $2::text::vector({{dims}})
LIMIT $3;

-- name: SearchText
SELECT c.id, c.document_id, d.title, d.source_uri, c.page_start, c.page_end, c.heading_path, c.content,
       ts_rank_cd(c.tsv, q.query) AS rank
FROM chunks c
JOIN documents d ON d.id = c.document_id,
     websearch_to_tsquery($1::regconfig, $2) AS q (query)
WHERE c.tsv @@ q.query AND d.superseded_by IS NULL
ORDER BY rank DESC, c.id
LIMIT $3;

-- name: CountRows
SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM chunks), (SELECT count(*) FROM embeddings);
