-- 0010: which Ollama models are in use, and the history of changes.
--
-- The active models live in the database, not in each process's flags, so
-- that every assistant replica (and cmd/ingest) agrees on them and an
-- admin's switch outlives restarts. The flags only seed an empty table.

-- One row per role. The chat model is read once per answer; the embedding
-- model decides which vectors retrieval searches, so it changes only when
-- every current chunk has a vector from the new model (see internal/models).
CREATE TABLE active_models (
    role       text PRIMARY KEY CHECK (role IN ('chat', 'embed')),
    model      text NOT NULL CHECK (model <> ''),
    digest     text NOT NULL DEFAULT '',
    since      timestamptz NOT NULL DEFAULT now(),
    changed_by text NOT NULL DEFAULT ''
);

-- Every change of an active model, for the admin page and for auditors
-- who need to know which model wrote an answer on a given day.
CREATE TABLE model_changes (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    changed_by  text NOT NULL DEFAULT '',
    role        text NOT NULL CHECK (role IN ('chat', 'embed')),
    from_model  text NOT NULL DEFAULT '', -- '' when the table was seeded
    to_model    text NOT NULL,
    from_digest text NOT NULL DEFAULT '',
    to_digest   text NOT NULL DEFAULT '',
    note        text NOT NULL DEFAULT ''
);

CREATE INDEX model_changes_at ON model_changes (at DESC);
