-- The job queue's statements (see migration 0005).

-- name: Insert
-- run_after defaults to the database's clock, not the caller's: a worker
-- compares it with now(), and the two clocks may differ.
INSERT INTO jobs (kind, args, unique_key, max_attempts, run_after, created_by)
VALUES ($1, $2::jsonb, $3, $4, coalesce($5::timestamptz, now()), $6)
ON CONFLICT (kind, unique_key) WHERE unique_key IS NOT NULL AND status IN ('queued', 'running')
DO NOTHING
RETURNING {{columns}};

-- name: ActiveByUnique
SELECT {{columns}} FROM jobs
WHERE kind = $1 AND unique_key = $2 AND status IN ('queued', 'running');

-- name: Get
SELECT {{columns}} FROM jobs WHERE id = $1;

-- name: List
-- Empty arrays and '' mean "any".
SELECT {{columns}} FROM jobs
WHERE (cardinality($1::text[]) = 0 OR kind = ANY($1::text[]))
  AND (cardinality($2::text[]) = 0 OR status = ANY($2::text[]))
  AND ($3 = '' OR created_by = $3)
ORDER BY created_at DESC, id DESC
LIMIT $4;

-- name: Claim
-- Takes the oldest due job of the given kinds that is queued, or running
-- under a lease that has expired (its worker died). $2 is a token new for
-- this claim: the statements below write only while it holds the job.
UPDATE jobs
SET status = 'running', attempts = attempts + 1, locked_by = $2,
    locked_until = now() + make_interval(secs => $3),
    started_at = coalesce(started_at, now()), updated_at = now()
WHERE id = (
    SELECT id FROM jobs
    WHERE kind = ANY($1::text[]) AND run_after <= now()
      AND (status = 'queued' OR (status = 'running' AND locked_until < now()))
    ORDER BY run_after, id
    LIMIT 1
    FOR UPDATE SKIP LOCKED)
RETURNING {{columns}};

-- name: Renew
UPDATE jobs SET locked_until = now() + make_interval(secs => $3)
WHERE id = $1 AND locked_by = $2 AND status = 'running';

-- name: Progress
UPDATE jobs SET progress_done = $3, progress_total = $4, progress_message = $5, updated_at = now()
WHERE id = $1 AND locked_by = $2 AND status = 'running';

-- name: SetResult
UPDATE jobs SET result = $3::jsonb, updated_at = now()
WHERE id = $1 AND locked_by = $2 AND status = 'running';

-- name: Finish
-- Ends a run: done, failed, or back to the queue for a retry after
-- run_after ($4 seconds from now). Only the claim holding the lease may.
UPDATE jobs
SET status = $3, run_after = now() + make_interval(secs => $4), error = $5,
    locked_by = NULL, locked_until = NULL, updated_at = now(),
    finished_at = CASE WHEN $3 IN ('done', 'failed') THEN now() END
WHERE id = $1 AND locked_by = $2 AND status = 'running';

-- name: Release
-- Gives a job back untouched when its worker shuts down: the attempt does
-- not count, and another worker may take it at once.
UPDATE jobs
SET status = 'queued', attempts = greatest(attempts - 1, 0), locked_by = NULL, locked_until = NULL,
    updated_at = now()
WHERE id = $1 AND locked_by = $2 AND status = 'running';

-- name: Cancel
UPDATE jobs
SET status = 'cancelled', locked_by = NULL, locked_until = NULL, updated_at = now(), finished_at = now()
WHERE id = $1 AND status IN ('queued', 'running');

-- name: CancelledUnder
-- Whether job $1 is cancelled with $2 attempts, the count its latest claim
-- set (a claim given back took its attempt back with it).
SELECT EXISTS (SELECT 1 FROM jobs WHERE id = $1 AND status = 'cancelled' AND attempts = $2);
