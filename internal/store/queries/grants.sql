-- The rights of the application role: what `assistant migrate
-- --grant-app-role ROLE` grants, run by the schema's owner after
-- migrating. {{role}} and {{schema}} are quoted identifiers.
--
-- The servers (assistant, ingest) need DML on the tables and nothing
-- else: no CREATE on the schema, so no table, index or function of their
-- own, and no DROP, ALTER or TRUNCATE, which only an owner may run. Two
-- DDL steps they do need, a new embedding model's partition and index and
-- dropping them, go through the owner's SECURITY DEFINER functions of
-- the embeddings_by_model migration, granted by name.
--
-- The audit trail is append-only for them: audit_log may be read and
-- appended to, never updated or deleted; audit_personal may also be
-- deleted from, which is how erasure and retention work (internal/privacy).
-- Erasure locks the personal rows it deletes with SELECT ... FOR UPDATE,
-- which needs UPDATE on some column: the role gets it on audit_id alone,
-- and a trigger (the audit_personal_no_update migration) refuses every UPDATE of that table
-- anyway. audit_head, the chain's head, is only read and moved.
--
-- Safe to run again after every upgrade: it re-applies the same rights to
-- tables added since, and the default privileges cover tables the owner
-- creates later until then.

-- name: GrantAppRole
GRANT USAGE ON SCHEMA {{schema}} TO {{role}};
REVOKE CREATE ON SCHEMA {{schema}} FROM {{role}};
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {{schema}} TO {{role}};
REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA {{schema}} FROM {{role}};
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {{schema}} TO {{role}};
ALTER DEFAULT PRIVILEGES IN SCHEMA {{schema}} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {{role}};
ALTER DEFAULT PRIVILEGES IN SCHEMA {{schema}} GRANT USAGE, SELECT ON SEQUENCES TO {{role}};

REVOKE UPDATE, DELETE ON audit_log FROM {{role}};
REVOKE UPDATE, DELETE ON audit_personal FROM {{role}};
GRANT DELETE, UPDATE (audit_id) ON audit_personal TO {{role}};
REVOKE INSERT, DELETE ON audit_head FROM {{role}};
REVOKE UPDATE, DELETE ON pseudonym_key FROM {{role}};
REVOKE INSERT, UPDATE, DELETE ON schema_migrations FROM {{role}};

GRANT EXECUTE ON FUNCTION civitas_add_embedding_partition(integer) TO {{role}};
GRANT EXECUTE ON FUNCTION civitas_drop_embedding_partition(integer) TO {{role}};
GRANT EXECUTE ON FUNCTION civitas_drop_embedding_index(integer) TO {{role}};
