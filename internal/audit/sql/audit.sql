-- The audit trail: appends, reads and the chain walk.

-- name: LockHead
-- Every append takes this row lock first and holds it to commit, so
-- appends are serialised and each sees the one before it. The time comes
-- from the database, one clock for every process.
SELECT last_id, last_hash, clock_timestamp() FROM audit_head FOR UPDATE;

-- name: InsertEvent
INSERT INTO audit_log (id, at, action, target, details, personal_hash, prev_hash, hash)
VALUES ($1, $2, $3, $4, $5::json, $6, $7, $8);

-- name: InsertPersonal
INSERT INTO audit_personal (audit_id, actor, subject, data, salt)
VALUES ($1, $2, $3, $4::json, $5);

-- name: MoveHead
UPDATE audit_head SET last_id = $1, last_hash = $2;

-- name: ReadHead
SELECT last_id, last_hash FROM audit_head;

-- name: ChainPage
-- The rows of the chain after $1 up to the head read at the start of a
-- walk ($2): rows appended meanwhile belong to a later walk.
SELECT l.id, l.at, l.action, l.target, l.details::text, l.personal_hash, l.prev_hash, l.hash,
       p.audit_id IS NOT NULL, coalesce(p.actor, ''), coalesce(p.subject, ''),
       coalesce(p.data::text, ''), coalesce(p.salt, ''::bytea)
FROM audit_log l LEFT JOIN audit_personal p ON p.audit_id = l.id
WHERE l.id > $1 AND l.id <= $2
ORDER BY l.id
LIMIT $3;

-- name: SearchBackward
-- Newest first, for browsing. Filters: $1 from, $2 to (NULL: open), $3
-- actor, $4 people (any of them the actor or subject; empty: anyone), $5 action ('' any; ending in '.' a
-- prefix: 'document.'), $6 cursor (ids below it; 0: from the newest), $7
-- limit.
SELECT l.id, l.at, l.action, l.target, l.details::text, l.personal_hash, l.prev_hash, l.hash,
       p.audit_id IS NOT NULL, coalesce(p.actor, ''), coalesce(p.subject, ''),
       coalesce(p.data::text, ''), coalesce(p.salt, ''::bytea)
FROM audit_log l LEFT JOIN audit_personal p ON p.audit_id = l.id
WHERE ($1::timestamptz IS NULL OR l.at >= $1::timestamptz)
  AND ($2::timestamptz IS NULL OR l.at < $2::timestamptz)
  AND ($3::text = '' OR p.actor = $3::text)
  AND (cardinality($4::text[]) = 0 OR p.actor = ANY($4::text[]) OR p.subject = ANY($4::text[]))
  AND ($5::text = '' OR l.action = $5::text OR (right($5::text, 1) = '.' AND starts_with(l.action, $5::text)))
  AND ($6::bigint = 0 OR l.id < $6::bigint)
ORDER BY l.id DESC
LIMIT $7;

-- name: SearchForward
-- Oldest first, for exports; the same filters, $6 the last id already
-- read.
SELECT l.id, l.at, l.action, l.target, l.details::text, l.personal_hash, l.prev_hash, l.hash,
       p.audit_id IS NOT NULL, coalesce(p.actor, ''), coalesce(p.subject, ''),
       coalesce(p.data::text, ''), coalesce(p.salt, ''::bytea)
FROM audit_log l LEFT JOIN audit_personal p ON p.audit_id = l.id
WHERE ($1::timestamptz IS NULL OR l.at >= $1::timestamptz)
  AND ($2::timestamptz IS NULL OR l.at < $2::timestamptz)
  AND ($3::text = '' OR p.actor = $3::text)
  AND (cardinality($4::text[]) = 0 OR p.actor = ANY($4::text[]) OR p.subject = ANY($4::text[]))
  AND ($5::text = '' OR l.action = $5::text OR (right($5::text, 1) = '.' AND starts_with(l.action, $5::text)))
  AND l.id > $6::bigint
ORDER BY l.id
LIMIT $7;

-- name: BeyondHead
-- Rows after the head read at the start of a walk ($1), in the walk's
-- snapshot: none unless rows were added around Append or the head record
-- was set back.
SELECT coalesce(min(id), 0), count(*) FROM audit_log WHERE id > $1;

-- name: ErasedRows
-- The rows an erasure or retention event lists ($1): their action,
-- whether they had a personal part, and whether it is still there.
SELECT l.id, l.action, l.personal_hash IS NOT NULL, p.audit_id IS NOT NULL
FROM audit_log l LEFT JOIN audit_personal p ON p.audit_id = l.id
WHERE l.id = ANY($1::bigint[]);
