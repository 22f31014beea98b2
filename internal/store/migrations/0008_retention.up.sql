-- 0008: retention and data-subject requests (internal/privacy).
--
-- Pseudonymised records stay for their provenance (which documents and
-- models answered, how fast) with the user replaced by a keyed pseudonym
-- and the texts removed; pseudonymised_at marks them, so that a retention
-- run that died halfway is simply run again.
ALTER TABLE conversations ADD COLUMN pseudonymised_at timestamptz;
ALTER TABLE answers ADD COLUMN pseudonymised_at timestamptz;

CREATE INDEX conversations_updated ON conversations (updated_at) WHERE pseudonymised_at IS NULL;
CREATE INDEX answers_created ON answers (created_at) WHERE pseudonymised_at IS NULL;

-- The key of pseudonyms when the operator gives none (--pseudonym-key):
-- generated once, so that a user's pseudonym is the same in every run and
-- an erasure request can still find their pseudonymised records. Keeping
-- it here means whoever reads the database can link pseudonyms to names
-- by trying names; a key kept outside the database prevents that.
CREATE TABLE pseudonym_key (
    one boolean PRIMARY KEY DEFAULT true CHECK (one),
    key bytea NOT NULL CHECK (length(key) >= 32)
);
