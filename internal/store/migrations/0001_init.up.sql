-- 0001: collections, documents, chunks and per-model embeddings.
--
-- The pgvector extension is created by the migrator before this file runs
-- (see migrate.go): an extension is database-wide and must exist before any
-- schema can use the vector type.

-- A collection groups documents an admin manages together (a department's
-- handbook, the council minutes, ...). Retrieval can be scoped to one.
CREATE TABLE collections (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL UNIQUE CHECK (name <> ''),
    description text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now()
);

INSERT INTO collections (name, description) VALUES ('default', 'Documents ingested without --collection');

-- One row per version of a source document. The current version has
-- superseded_by NULL; when changed content is ingested, a new row is written
-- and the old one points at it, its chunks removed, so that the history of
-- what was ingested when stays on record while retrieval sees one version.
CREATE TABLE documents (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    collection_id      bigint NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
    source_uri         text NOT NULL CHECK (source_uri <> ''),
    title              text NOT NULL DEFAULT '',
    media_type         text NOT NULL,
    -- ISO 639-1 code of the detected or declared language; '' when unsure.
    language           text NOT NULL DEFAULT '',
    -- Full-text configuration used for this document's chunks ('german',
    -- 'french', ... or 'simple' when the language is unknown).
    ts_config          regconfig NOT NULL DEFAULT 'simple',
    content_hash       bytea NOT NULL CHECK (length(content_hash) = 32), -- SHA-256 of the file
    size_bytes         bigint NOT NULL CHECK (size_bytes >= 0),
    source_modified_at timestamptz,
    page_count         integer CHECK (page_count >= 0),
    version            integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    superseded_by      bigint REFERENCES documents (id) ON DELETE SET NULL,
    -- Empty means visible to everyone; otherwise only to members of at
    -- least one of these groups.
    access_groups      text[] NOT NULL DEFAULT '{}',
    metadata           jsonb NOT NULL DEFAULT '{}',
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    CHECK (superseded_by IS NULL OR superseded_by <> id)
);

-- Versions of a source are numbered; two writers that race to write the
-- same next version of a source collide here, and one of them rolls back.
CREATE UNIQUE INDEX documents_source_version ON documents (collection_id, source_uri, version);
CREATE INDEX documents_current ON documents (collection_id, source_uri) WHERE superseded_by IS NULL;
CREATE INDEX documents_access_groups ON documents USING gin (access_groups);
CREATE INDEX documents_superseded_by ON documents (superseded_by);

-- A passage of a document, cut along its structure. Citations point here.
CREATE TABLE chunks (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    document_id  bigint NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    ordinal      integer NOT NULL CHECK (ordinal >= 0),
    page_start   integer CHECK (page_start >= 1),
    page_end     integer CHECK (page_end >= page_start),
    heading_path text[] NOT NULL DEFAULT '{}',
    content      text NOT NULL,
    token_count  integer NOT NULL CHECK (token_count >= 0),
    ts_config    regconfig NOT NULL DEFAULT 'simple',
    -- Built with the document's language configuration, so that German
    -- compounds and French elisions stem as they should. to_tsvector with an
    -- explicit regconfig is immutable, which a generated column requires.
    tsv          tsvector GENERATED ALWAYS AS (to_tsvector(ts_config, content)) STORED,
    UNIQUE (document_id, ordinal)
);

CREATE INDEX chunks_tsv ON chunks USING gin (tsv);

-- Every embedding model that has vectors stored. pgvector indexes need a
-- fixed dimension, so each model gets its own partial HNSW index over
-- embedding::vector(dimensions), created when the model is registered
-- (store.RegisterEmbeddingModel). Two models can therefore coexist while
-- an admin switches from one to the other.
CREATE TABLE embedding_models (
    id         integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       text NOT NULL UNIQUE CHECK (name <> ''),
    -- HNSW on vector supports at most 2,000 dimensions.
    dimensions integer NOT NULL CHECK (dimensions BETWEEN 1 AND 2000),
    digest     text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE embeddings (
    chunk_id  bigint NOT NULL REFERENCES chunks (id) ON DELETE CASCADE,
    model_id  integer NOT NULL REFERENCES embedding_models (id) ON DELETE CASCADE,
    embedding vector NOT NULL,
    PRIMARY KEY (chunk_id, model_id)
);

CREATE INDEX embeddings_model ON embeddings (model_id);
