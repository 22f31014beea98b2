-- 0003: conversations and the record of every answer.
--
-- Every answer is recorded with what an auditor needs to reconstruct it:
-- who asked what, which passages were retrieved and which were cited (with
-- their document versions), which chat and embedding model (name and
-- digest) and which prompt templates (version hash) produced it, and how
-- long each step took.

CREATE TABLE conversations (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_name  text NOT NULL CHECK (user_name <> ''),
    title      text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX conversations_user ON conversations (user_name, updated_at DESC);

CREATE TABLE answers (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    conversation_id   bigint NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    user_name         text NOT NULL,
    question          text NOT NULL,
    answer            text NOT NULL DEFAULT '',
    mode              text NOT NULL,          -- answer, not_covered, search, error
    language          text NOT NULL DEFAULT '',
    retrieval_mode    text NOT NULL DEFAULT '', -- hybrid, lexical, vector
    -- The passages as shown to the user (number, chunk, document, version,
    -- pages, snippet): chunk ids alone would not survive a re-ingest.
    sources           jsonb NOT NULL DEFAULT '[]',
    citations         jsonb NOT NULL DEFAULT '[]',
    retrieved_chunk_ids bigint[] NOT NULL DEFAULT '{}',
    cited_chunk_ids   bigint[] NOT NULL DEFAULT '{}',
    chat_model        text NOT NULL DEFAULT '',
    chat_digest       text NOT NULL DEFAULT '',
    embed_model       text NOT NULL DEFAULT '',
    prompt_version    text NOT NULL DEFAULT '',
    retrieval_ms      integer NOT NULL DEFAULT 0,
    first_token_ms    integer NOT NULL DEFAULT 0,
    total_ms          integer NOT NULL DEFAULT 0,
    prompt_tokens     integer NOT NULL DEFAULT 0,
    generated_tokens  integer NOT NULL DEFAULT 0,
    error             text NOT NULL DEFAULT '',
    created_at        timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX answers_conversation ON answers (conversation_id, id);
CREATE INDEX answers_user ON answers (user_name, created_at DESC);
