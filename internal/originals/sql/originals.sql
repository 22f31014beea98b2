-- Queries of the original files (see migration 0011).

-- name: begin
INSERT INTO originals DEFAULT VALUES RETURNING id;

-- name: put_chunk
INSERT INTO original_chunks (original_id, seq, data) VALUES ($1, $2, $3);

-- name: finish
-- Names a fully written file by its hash; fails on the unique hash when
-- the same content was stored meanwhile (the caller then drops its copy).
UPDATE originals SET hash = $2, size = $3, chunks = $4 WHERE id = $1;

-- name: replace
-- Removes an earlier copy of the content $1 before the new one $2 takes
-- its name.
DELETE FROM originals WHERE hash = $1 AND id <> $2;

-- name: drop
DELETE FROM originals WHERE id = $1;

-- name: lookup
SELECT id, size, chunks FROM originals WHERE hash = $1;

-- name: get_chunk
SELECT data FROM original_chunks WHERE original_id = $1 AND seq = $2;

-- name: delete_unreferenced
-- Deletes the original with hash $1 unless a current document was made
-- from it or a queued or running upload job ($2 is its hex form) still
-- needs it.
DELETE FROM originals o
WHERE o.hash = $1
  AND NOT EXISTS (SELECT 1 FROM documents d WHERE d.content_hash = $1 AND d.superseded_by IS NULL)
  AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.status IN ('queued', 'running') AND j.args->>'original' = $2);

-- name: referenced
SELECT EXISTS (SELECT 1 FROM documents d WHERE d.content_hash = $1 AND d.superseded_by IS NULL)
    OR EXISTS (SELECT 1 FROM jobs j WHERE j.status IN ('queued', 'running') AND j.args->>'original' = $2);

-- name: sweep_unfinished
-- Files whose writer died before naming them.
DELETE FROM originals WHERE hash IS NULL AND created_at < now() - $1::interval;
