-- 0016: example questions per collection, set by knowledge managers and
-- offered on an empty chat. Not personal: who set them is in the audit
-- trail.
CREATE TABLE collection_suggestions (
    collection_id bigint PRIMARY KEY REFERENCES collections (id) ON DELETE CASCADE,
    questions     text[] NOT NULL DEFAULT '{}',
    updated_at    timestamptz NOT NULL DEFAULT now()
);
