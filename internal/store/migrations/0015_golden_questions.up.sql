-- 0015: golden questions, kept by knowledge managers per collection, that
-- guard an embedding-model switch (internal/golden, internal/models): the
-- re-embed scores them with the old and the new model before it flips.
--
-- A question's gold is where its answer is: the expected source (matched
-- against the end of a document's source path, as in the eval format),
-- pages and/or a verbatim quote (internal/eval.Hit). answer_id links a
-- question promoted from an answer a user rated helpful; the link goes with
-- the answer (retention), the question stays. Who added a question is in
-- the audit trail, not here, so that erasing a person reaches it.
CREATE TABLE golden_questions (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    collection_id bigint NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
    question      text NOT NULL CHECK (question <> '' AND char_length(question) <= 2000),
    file          text NOT NULL CHECK (file <> '' AND char_length(file) <= 2000),
    pages         integer[] NOT NULL DEFAULT '{}',
    quote         text NOT NULL DEFAULT '' CHECK (char_length(quote) <= 2000),
    answer        text NOT NULL DEFAULT '' CHECK (char_length(answer) <= 4000),
    language      text NOT NULL DEFAULT '',
    origin        text NOT NULL CHECK (origin IN ('import', 'answer', 'manual')),
    answer_id     bigint REFERENCES answers (id) ON DELETE SET NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (collection_id, question)
);
