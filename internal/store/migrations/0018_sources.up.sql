-- 0018: sources (internal/sources): the places a collection is kept in
-- step with, on a schedule: mounted folders, WebDAV, S3, websites, OParl.
--
-- credentials is a reference ("file:/run/secrets/nc" or "env:NAME"), never
-- the secret itself. sync_owner/sync_until is the lease that lets at most
-- one worker sync a source at a time (a row lease rather than an advisory
-- lock: it holds across backends on PostgreSQL and on PGlite alike, and a
-- dead worker's lease simply lapses).
CREATE TABLE sources (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name          text NOT NULL UNIQUE CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
    kind          text NOT NULL CHECK (kind <> ''),
    url           text NOT NULL DEFAULT '' CHECK (char_length(url) <= 2000),
    settings      jsonb NOT NULL DEFAULT '{}',
    collection    text NOT NULL CHECK (collection <> ''),
    access_groups text[] NOT NULL DEFAULT '{}',
    every_seconds integer NOT NULL DEFAULT 0 CHECK (every_seconds >= 0),
    cron          text NOT NULL DEFAULT '',
    include       text[] NOT NULL DEFAULT '{}',
    exclude       text[] NOT NULL DEFAULT '{}',
    enabled       boolean NOT NULL DEFAULT true,
    allow_remote  boolean NOT NULL DEFAULT false,
    credentials   text NOT NULL DEFAULT '' CHECK (credentials = '' OR credentials ~ '^(file|env):.+$'),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    next_run_at   timestamptz,
    sync_owner    text,
    sync_until    timestamptz
);

-- What the collection holds from each source: the entry's key, the change
-- token it had when it was last ingested, and the document's source URI.
-- A row is written only after its document is stored, so a crashed run's
-- successor redoes exactly what is not recorded.
CREATE TABLE source_items (
    source_id  bigint NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    key        text NOT NULL,
    token      text NOT NULL DEFAULT '',
    source_uri text NOT NULL,
    synced_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source_id, key)
);

-- One row per sync run, with its summary.
CREATE TABLE source_runs (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source_id   bigint NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
    job_id      bigint,
    status      text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'done', 'failed', 'interrupted')),
    started_at  timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    added       integer NOT NULL DEFAULT 0,
    updated     integer NOT NULL DEFAULT 0,
    unchanged   integer NOT NULL DEFAULT 0,
    removed     integer NOT NULL DEFAULT 0,
    failed      integer NOT NULL DEFAULT 0,
    chunks      integer NOT NULL DEFAULT 0,
    error       text NOT NULL DEFAULT '',
    failures    jsonb NOT NULL DEFAULT '[]'
);
CREATE INDEX source_runs_by_source ON source_runs (source_id, id DESC);
