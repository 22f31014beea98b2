-- Removal of the personal part of events, for retention and data-subject
-- erasure (internal/privacy), in the caller's transaction (erase.go).

-- name: ExpireAnswerPersonal
-- The asker and question recorded with each answer.created event expire
-- with the answer record ($2: 'answer:ID' of the records just handled;
-- $1: the cutoff, for events whose record went otherwise): keeping them
-- in the trail would defeat retention. The event itself (provenance)
-- stays, and its chain holds.
DELETE FROM audit_personal
WHERE audit_id IN (SELECT id FROM audit_log
                   WHERE action = 'answer.created' AND (at < $1 OR target = ANY($2::text[])))
RETURNING audit_id;

-- name: PersonalOf
-- The events naming the user ($1: their name and pseudonym) that have a
-- personal part, with their action: those on legal hold keep it
-- (OnLegalHold decides, in Go), the others lose it.
SELECT p.audit_id, l.action
FROM audit_personal p JOIN audit_log l ON l.id = p.audit_id
WHERE p.actor = ANY($1::text[]) OR p.subject = ANY($1::text[])
ORDER BY p.audit_id
FOR UPDATE OF p;

-- name: DeletePersonal
DELETE FROM audit_personal WHERE audit_id = ANY($1::bigint[])
RETURNING audit_id;
