-- 0005: a small Postgres-backed job queue for background work that must
-- survive restarts and run on whichever replica is free: document uploads,
-- re-embedding with a new model, retention.
--
-- A worker claims a job with FOR UPDATE SKIP LOCKED and holds a lease
-- (locked_until) that it renews while the job runs, rather than a row lock
-- for the job's whole duration: a job may run for hours, and on PGlite an
-- open transaction stops every other connection. A job whose worker died is
-- claimed again once its lease has expired; handlers are written to resume.
CREATE TABLE jobs (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind             text NOT NULL CHECK (kind <> ''),
    args             jsonb NOT NULL DEFAULT '{}',
    status           text NOT NULL DEFAULT 'queued'
                     CHECK (status IN ('queued', 'running', 'done', 'failed', 'cancelled')),
    -- At most one queued or running job per (kind, unique_key).
    unique_key       text,
    attempts         integer NOT NULL DEFAULT 0,
    max_attempts     integer NOT NULL DEFAULT 3 CHECK (max_attempts > 0),
    run_after        timestamptz NOT NULL DEFAULT now(),
    locked_by        text,
    locked_until     timestamptz,
    progress_done    bigint NOT NULL DEFAULT 0,
    progress_total   bigint NOT NULL DEFAULT 0,
    progress_message text NOT NULL DEFAULT '',
    result           jsonb,
    error            text NOT NULL DEFAULT '',
    created_by       text NOT NULL DEFAULT '',
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    started_at       timestamptz,
    finished_at      timestamptz
);

CREATE UNIQUE INDEX jobs_unique_active ON jobs (kind, unique_key)
    WHERE unique_key IS NOT NULL AND status IN ('queued', 'running');
CREATE INDEX jobs_claimable ON jobs (run_after, id) WHERE status IN ('queued', 'running');
CREATE INDEX jobs_kind_created ON jobs (kind, created_at DESC);
