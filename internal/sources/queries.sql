-- Statements of internal/sources over its tables (migration 0016).

-- name: Insert
INSERT INTO sources (name, kind, url, settings, collection, access_groups, every_seconds, cron, include, exclude,
    enabled, allow_remote, credentials, next_run_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
RETURNING id;

-- name: Update
UPDATE sources SET kind = $2, url = $3, settings = $4, collection = $5, access_groups = $6, every_seconds = $7,
    cron = $8, include = $9, exclude = $10, enabled = $11, allow_remote = $12, credentials = $13, next_run_at = $14,
    updated_at = now()
WHERE id = $1;

-- name: ForgetTokens
UPDATE source_items SET token = '' WHERE source_id = $1;

-- name: ForgetItems
DELETE FROM source_items WHERE source_id = $1;

-- name: Delete
DELETE FROM sources WHERE id = $1;

-- name: Select
SELECT s.id, s.name, s.kind, s.url, s.settings, s.collection, s.access_groups, s.every_seconds, s.cron, s.include,
    s.exclude, s.enabled, s.allow_remote, s.credentials, s.created_at, s.updated_at, s.next_run_at,
    (s.sync_until IS NOT NULL AND s.sync_until > now()) AS syncing,
    r.id, r.status, r.started_at, r.finished_at, r.added, r.updated, r.unchanged, r.removed, r.failed, r.chunks, r.error
FROM sources s
LEFT JOIN LATERAL (SELECT * FROM source_runs WHERE source_id = s.id ORDER BY id DESC LIMIT 1) r ON true
WHERE ($1::bigint = 0 OR s.id = $1) AND ($2 = '' OR s.name = $2)
ORDER BY s.name;

-- name: Acquire
UPDATE sources SET sync_owner = $2, sync_until = now() + make_interval(secs => $3)
WHERE id = $1 AND (sync_owner IS NULL OR sync_until < now())
RETURNING id;

-- name: Renew
UPDATE sources SET sync_until = now() + make_interval(secs => $3) WHERE id = $1 AND sync_owner = $2;

-- name: Release
UPDATE sources SET sync_owner = NULL, sync_until = NULL, next_run_at = $3 WHERE id = $1 AND sync_owner = $2;

-- name: InterruptRuns
UPDATE source_runs SET status = 'interrupted', finished_at = now(),
    error = 'the worker stopped before the run finished; the next run picks up'
WHERE source_id = $1 AND status = 'running';

-- name: StartRun
INSERT INTO source_runs (source_id, job_id) VALUES ($1, $2) RETURNING id;

-- name: FinishRun
UPDATE source_runs SET status = $2, finished_at = now(), added = $3, updated = $4, unchanged = $5, removed = $6,
    failed = $7, chunks = $8, error = $9, failures = $10
WHERE id = $1;

-- name: Runs
SELECT id, status, started_at, finished_at, added, updated, unchanged, removed, failed, chunks, error, failures
FROM source_runs WHERE source_id = $1 ORDER BY id DESC LIMIT $2;

-- name: Items
SELECT key, token, source_uri FROM source_items WHERE source_id = $1;

-- name: PutItem
INSERT INTO source_items (source_id, key, token, source_uri) VALUES ($1, $2, $3, $4)
ON CONFLICT (source_id, key) DO UPDATE SET token = excluded.token, source_uri = excluded.source_uri, synced_at = now();

-- name: DeleteItem
DELETE FROM source_items WHERE source_id = $1 AND key = $2;

-- name: Due
-- Claims the sources due now by moving their next run ahead; a second
-- scheduler running the same statement finds them not due any more (the
-- row lock orders the two), so each due run is enqueued once.
UPDATE sources SET next_run_at = now() + interval '1 minute'
WHERE id IN (SELECT id FROM sources WHERE enabled AND next_run_at IS NOT NULL AND next_run_at <= now()
             FOR UPDATE SKIP LOCKED)
  AND next_run_at <= now()
RETURNING id, name;
