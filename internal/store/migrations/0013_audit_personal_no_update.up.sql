-- 0013: audit_personal rows are written once and deleted, never changed.
--
-- Erasure and retention delete personal parts (internal/privacy); nothing
-- updates one. The erasure locks the rows it deletes (SELECT ... FOR
-- UPDATE), which PostgreSQL permits only to a role with UPDATE on some
-- column, so the application role holds UPDATE on audit_id alone (see
-- queries/grants.sql); this trigger makes sure that grant can lock rows
-- but change none, for every role, like audit_log's.
CREATE FUNCTION audit_personal_refuse_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_personal rows are never changed, only deleted: UPDATE refused'
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER audit_personal_no_update
    BEFORE UPDATE ON audit_personal
    FOR EACH ROW EXECUTE FUNCTION audit_personal_refuse_update();
