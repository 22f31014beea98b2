-- The passages (chunks) of a document, for showing a cited passage in its
-- place. The caller has checked that the document is visible.

-- name: DocumentPassages
SELECT id, ordinal, page_start, page_end, heading_path, content
FROM chunks WHERE document_id = $1
ORDER BY ordinal
LIMIT $2;
