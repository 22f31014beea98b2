-- 0002: claims that let several ingest processes (on one machine or many,
-- sharing this database) work over the same folders without processing
-- the same source twice.
--
-- A claim is a lease, not a held row lock: parsing and embedding a document
-- takes seconds to minutes, far too long to keep a transaction open (and on
-- PGlite an open transaction stops every other connection). A live process
-- renews its leases; a crashed one's leases expire, and a process on the
-- same host takes over at once when the owner's PID is gone.
CREATE TABLE ingest_claims (
    collection_id bigint NOT NULL REFERENCES collections (id) ON DELETE CASCADE,
    source_uri    text NOT NULL,
    owner         text NOT NULL, -- host:pid:random, unique per process
    host          text NOT NULL,
    pid           integer NOT NULL,
    claimed_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    PRIMARY KEY (collection_id, source_uri)
);

CREATE INDEX ingest_claims_owner ON ingest_claims (owner);
