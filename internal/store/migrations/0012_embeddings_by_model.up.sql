-- 0012: embeddings partitioned by model, and the DDL a server may ask for.
--
-- Each embedding model's vectors live in a partition of their own
-- (embeddings_<model id>), with that model's HNSW index on it. Dropping a
-- model's vectors is then dropping its partition, not a DELETE of millions
-- of rows that bloats the table and the WAL; and each index covers exactly
-- one partition, so no partial index predicate is needed.
--
-- The servers run as a role without DDL rights (README, "Production").
-- Registering a model (ingest, a model switch) must still create its
-- partition and index, and dropping a model must drop them: the two
-- SECURITY DEFINER functions below do exactly that and nothing else, with
-- the rights of the owner who ran this migration. The index of a new model
-- is built on its new, empty partition, which is instant, so it needs no
-- CREATE INDEX CONCURRENTLY (which no function or transaction may run
-- anyway); `assistant migrate` rebuilds a missing or invalid index
-- concurrently (store.EnsureEmbeddingIndexes).

-- vector stores the HNSW index in single precision; halfvec in half
-- precision, halving the index that must fit in memory, at a small loss
-- of recall (--vector-type, chosen when a model is registered).
ALTER TABLE embedding_models ADD COLUMN vector_type text NOT NULL DEFAULT 'vector'
    CHECK (vector_type IN ('vector', 'halfvec'));

-- The one definition of a model's index, used here, by the functions below
-- and by store.EnsureEmbeddingIndexes. Names are built from integers of
-- embedding_models and quoted with %I.
CREATE FUNCTION civitas_embedding_index_sql(model integer, build_concurrently boolean) RETURNS text
LANGUAGE sql STABLE SET search_path FROM CURRENT AS $$
    SELECT format('CREATE INDEX %s IF NOT EXISTS %I ON %I.%I USING hnsw ((embedding::%s(%s)) %s_cosine_ops)',
                  CASE WHEN build_concurrently THEN 'CONCURRENTLY' ELSE '' END,
                  'embeddings_hnsw_' || m.id, current_schema(), 'embeddings_' || m.id,
                  m.vector_type, m.dimensions, m.vector_type)
    FROM embedding_models m
    WHERE m.id = model
$$;

ALTER TABLE embeddings RENAME TO embeddings_unpartitioned;
ALTER TABLE embeddings_unpartitioned RENAME CONSTRAINT embeddings_pkey TO embeddings_unpartitioned_pkey;
DROP INDEX embeddings_model;
DO $$
DECLARE m record;
BEGIN
    FOR m IN SELECT id FROM embedding_models LOOP
        EXECUTE format('DROP INDEX IF EXISTS %I', 'embeddings_hnsw_' || m.id);
    END LOOP;
END $$;

CREATE TABLE embeddings (
    chunk_id  bigint NOT NULL REFERENCES chunks (id) ON DELETE CASCADE,
    model_id  integer NOT NULL REFERENCES embedding_models (id) ON DELETE CASCADE,
    embedding vector NOT NULL,
    PRIMARY KEY (chunk_id, model_id)
) PARTITION BY LIST (model_id);

-- The partitions are filled before their indexes are built: building an
-- HNSW index once is much faster than inserting into it row by row.
DO $$
DECLARE m record;
BEGIN
    FOR m IN SELECT id FROM embedding_models ORDER BY id LOOP
        EXECUTE format('CREATE TABLE %I PARTITION OF embeddings FOR VALUES IN (%s)', 'embeddings_' || m.id, m.id);
    END LOOP;
END $$;

INSERT INTO embeddings (chunk_id, model_id, embedding)
SELECT chunk_id, model_id, embedding FROM embeddings_unpartitioned;
DROP TABLE embeddings_unpartitioned;

DO $$
DECLARE m record;
BEGIN
    FOR m IN SELECT id FROM embedding_models ORDER BY id LOOP
        EXECUTE civitas_embedding_index_sql(m.id, false);
    END LOOP;
END $$;

-- Creates the partition and index of a registered model; a no-op when they
-- exist. search_path is pinned to the migrated schema, with pg_temp last,
-- so that no temporary object of the caller can stand in for a table.
CREATE FUNCTION civitas_add_embedding_partition(model integer) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    sch text := current_schema();
    ddl text;
BEGIN
    PERFORM set_config('search_path', current_setting('search_path') || ', pg_temp', true);
    ddl := civitas_embedding_index_sql(model, false);
    IF ddl IS NULL THEN
        RAISE EXCEPTION 'embedding model % is not registered', model USING ERRCODE = 'no_data_found';
    END IF;
    IF to_regclass(format('%I.%I', sch, 'embeddings_' || model)) IS NULL THEN
        EXECUTE format('CREATE TABLE %I.%I PARTITION OF %I.embeddings FOR VALUES IN (%s)',
                       sch, 'embeddings_' || model, sch, model);
    END IF;
    EXECUTE ddl;
END $$;

-- Drops a model's partition (its vectors and index) and returns how many
-- vectors it held; 0 when there is none.
CREATE FUNCTION civitas_drop_embedding_partition(model integer) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    part regclass;
    n bigint;
BEGIN
    PERFORM set_config('search_path', current_setting('search_path') || ', pg_temp', true);
    part := to_regclass(format('%I.%I', current_schema(), 'embeddings_' || model));
    IF part IS NULL THEN
        RETURN 0;
    END IF;
    EXECUTE format('SELECT count(*) FROM %s', part) INTO n;
    EXECUTE format('DROP TABLE %s', part);
    RETURN n;
END $$;

-- Only the roles `assistant migrate --grant-app-role` names may call them.
REVOKE EXECUTE ON FUNCTION civitas_add_embedding_partition(integer) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION civitas_drop_embedding_partition(integer) FROM PUBLIC;
