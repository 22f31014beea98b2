-- 0007: the audit trail — append-only, hash-chained.
--
-- Every question and answer, document change, model change and admin
-- action appends one row to audit_log. Each row's hash covers its own
-- fields and the previous row's hash (see internal/audit/hash.go for the
-- exact encoding), so altering, removing or inserting a row anywhere
-- breaks the chain from that row on, and `assistant audit verify` names it.
--
-- Personal data (who acted, whom it concerns, the question asked) is kept
-- apart in audit_personal, and only its hash is in the chain: erasing a
-- person's data (GDPR art. 17) or expiring it (retention) deletes those
-- rows, never an audit_log row, and the chain still verifies. The erasure
-- is itself an audit event listing the rows it emptied, so a personal row
-- that vanished without one is reported too.

CREATE TABLE audit_log (
    -- Gapless, assigned under the chain-head lock: a missing number is a
    -- removed row.
    id            bigint PRIMARY KEY CHECK (id >= 1),
    at            timestamptz NOT NULL,
    action        text NOT NULL CHECK (action <> ''),   -- answer.created, document.deleted, ...
    target        text NOT NULL DEFAULT '',             -- answer:42, document:7, model:chat
    -- Kept verbatim (json, not jsonb) so that the hashed bytes are the
    -- stored bytes. Never names a person: that goes to audit_personal.
    details       json NOT NULL DEFAULT '{}',
    -- SHA-256 of the row's audit_personal content; NULL when it has none.
    personal_hash bytea CHECK (personal_hash IS NULL OR length(personal_hash) = 32),
    prev_hash     bytea NOT NULL CHECK (length(prev_hash) = 32),
    hash          bytea NOT NULL CHECK (length(hash) = 32)
);

CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_action ON audit_log (action, id);

-- The personal part of an event. Deleting a row here is how erasure and
-- retention work; it is not part of the chain, only its hash is. The salt
-- makes that hash useless for confirming a guess ("was it alice?") once
-- the row is gone.
CREATE TABLE audit_personal (
    audit_id bigint PRIMARY KEY REFERENCES audit_log (id),
    actor    text NOT NULL DEFAULT '',   -- who acted
    subject  text NOT NULL DEFAULT '',   -- whom it concerns, when not the actor
    data     json NOT NULL DEFAULT '{}', -- e.g. the question asked
    salt     bytea NOT NULL CHECK (length(salt) = 32)
);

CREATE INDEX audit_personal_actor ON audit_personal (actor);
CREATE INDEX audit_personal_subject ON audit_personal (subject) WHERE subject <> '';

-- The head of the chain: one row, locked FOR UPDATE by every append, so
-- appends are serialised and the chain stays linear however many
-- processes write. last_hash of the empty chain is 32 zero bytes.
CREATE TABLE audit_head (
    one       boolean PRIMARY KEY DEFAULT true CHECK (one),
    last_id   bigint NOT NULL DEFAULT 0,
    last_hash bytea NOT NULL DEFAULT '\x0000000000000000000000000000000000000000000000000000000000000000'
);

INSERT INTO audit_head DEFAULT VALUES;

-- Append-only, enforced by the database and not only by the application.
--
-- The trigger refuses UPDATE, DELETE and TRUNCATE for every role,
-- including the table owner, so a bug or an injected statement in the
-- application cannot rewrite history. A superuser (or the owner) can
-- still disable or drop the trigger: it is a guard rail, not the
-- guarantee. The guarantee is the hash chain — any change made around
-- the trigger shows up in `assistant audit verify`; anchoring the head
-- hash it prints outside the database (a log shipped elsewhere, a
-- ticket) makes even a rewrite of the whole chain detectable.
CREATE FUNCTION audit_log_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER audit_log_append_only
    BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();

CREATE TRIGGER audit_log_no_truncate
    BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();

-- Migrations run as the schema owner. Run the application as a role
-- without these grants (see README, "Audit trail"): then even without the
-- trigger it could only append.
REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM PUBLIC;
