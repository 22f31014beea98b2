-- Changes of the queue for retention and data-subject erasure
-- (internal/privacy), run in the caller's transaction (privacy.go).

-- name: DeleteFinishedBefore
-- Finished background jobs older than the cutoff: they name who started
-- them and hold their arguments (file names, who asked for a re-embed).
-- Queued and running jobs stay whatever their age.
DELETE FROM jobs
WHERE status IN ('done', 'failed', 'cancelled') AND coalesce(finished_at, updated_at) < $1;

-- name: PseudonymiseUser
-- Jobs stay (a running one must finish; finished ones go with retention)
-- but name the user only by pseudonym ($2), in created_by and in an
-- argument "by" (modeladmin.ReembedArgs).
UPDATE jobs SET
    created_by = CASE WHEN created_by = $1 THEN $2 ELSE created_by END,
    args = CASE WHEN args->>'by' = $1 THEN jsonb_set(args, '{by}', to_jsonb($2::text)) ELSE args END
WHERE created_by = $1 OR args->>'by' = $1;
