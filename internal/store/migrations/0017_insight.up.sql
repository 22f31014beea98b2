-- 0017: what knowledge managers and admins do with the assistant's record
-- (internal/insight): the handling of feedback, and the free-text part of
-- the transparency record an admin fills once.
--
-- A review says what was done about an answer rated unhelpful: the
-- document was fixed, a document was added, or the model erred. Who
-- handled it is in the audit trail, not here, so that erasing a person
-- reaches it; the review goes with its answer (retention).
CREATE TABLE feedback_reviews (
    answer_id  bigint PRIMARY KEY REFERENCES answers (id) ON DELETE CASCADE,
    outcome    text NOT NULL CHECK (outcome IN ('document_fixed', 'document_added', 'model_error', 'other')),
    note       text NOT NULL DEFAULT '' CHECK (char_length(note) <= 2000),
    handled_at timestamptz NOT NULL DEFAULT now()
);

-- The transparency record's free-text fields (name, purpose, owner, ...):
-- one row, written by admins; the rest of the record is generated from
-- the system's state each time it is produced.
CREATE TABLE transparency_fields (
    one        boolean PRIMARY KEY DEFAULT true CHECK (one),
    fields     jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(fields) = 'object'),
    updated_at timestamptz NOT NULL DEFAULT now()
);
