-- 0011: the original files of documents, in the database (internal/originals).
--
-- Uploads and the files behind citations must open on every assistant
-- replica, so the original bytes live where all of them reach: here (or
-- in an S3 bucket with --originals=s3). One row per stored file, keyed by
-- the SHA-256 of its content (the documents' content_hash), so a file
-- ingested twice is kept once; its bytes are split into chunks of at most
-- a few MiB, written and read one at a time so that neither side holds a
-- large file in memory.

-- A file is written under its id while its hash is still unknown
-- (hash NULL), and gets its hash once every chunk is stored: a reader
-- never sees a half-written file, and a writer that dies leaves a row
-- without hash that the sweep removes.
CREATE TABLE originals (
    id         bigserial PRIMARY KEY,
    hash       bytea UNIQUE CHECK (hash IS NULL OR length(hash) = 32),
    size       bigint NOT NULL DEFAULT 0 CHECK (size >= 0),
    chunks     integer NOT NULL DEFAULT 0 CHECK (chunks >= 0),
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE original_chunks (
    original_id bigint NOT NULL REFERENCES originals (id) ON DELETE CASCADE,
    seq         integer NOT NULL CHECK (seq >= 0),
    data        bytea NOT NULL,
    PRIMARY KEY (original_id, seq)
);
