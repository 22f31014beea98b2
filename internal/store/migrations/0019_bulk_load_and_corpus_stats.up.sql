-- 0019: bulk loads build the HNSW index once, and the full-text side reads
-- the corpus size instead of counting it.
--
-- civitas_drop_embedding_index: a load that brings many vectors against
-- what a model's partition holds (a first import, a re-embed) writes the
-- vectors without the index and builds it once afterwards, as pgvector's
-- documentation advises: one build is several times faster than inserting
-- into the graph row by row. civitas_add_embedding_partition (0012)
-- builds it again (CREATE INDEX IF NOT EXISTS). Like that one, it runs
-- with the owner's rights, since the servers' role may run no DDL, and
-- only the roles `assistant migrate --grant-app-role` names may call it.
CREATE FUNCTION civitas_drop_embedding_index(model integer) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    idx regclass;
BEGIN
    PERFORM set_config('search_path', current_setting('search_path') || ', pg_temp', true);
    idx := to_regclass(format('%I.%I', current_schema(), 'embeddings_hnsw_' || model));
    IF idx IS NULL THEN
        RETURN false;
    END IF;
    EXECUTE format('DROP INDEX %s', idx);
    RETURN true;
END $$;
REVOKE EXECUTE ON FUNCTION civitas_drop_embedding_index(integer) FROM PUBLIC;

-- term_stats: the full-text statistics, kept where they are cheap to read.
-- For each lexeme, how many chunks hold it (df), and under the empty
-- lexeme (no real lexeme is empty), how many chunks there are: what the
-- lexical side of retrieval otherwise recomputed per query by walking the
-- full-text index and counting.
--
-- Rows are deltas: a statement that inserts, deletes or updates chunks
-- adds, in its own transaction, one row per lexeme it changed, with the
-- change (+n or -n); a lexeme's df is the sum of its rows. Writers thus
-- only ever INSERT here, so concurrent ingests never wait on one another
-- for a row and cannot deadlock over it, and no increment is lost (there
-- is no read-modify-write). civitas_compact_term_stats folds the rows of
-- each lexeme into one, after an ingest run; see there why that is safe
-- alongside writers.
CREATE TABLE term_stats (
    lexeme text NOT NULL,
    df     bigint NOT NULL
);
CREATE INDEX term_stats_lexeme ON term_stats (lexeme);

CREATE FUNCTION civitas_term_stats_add() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO term_stats (lexeme, df)
        SELECT x, count(*) FROM new_rows n, unnest(tsvector_to_array(n.tsv)) AS x GROUP BY x
        UNION ALL
        SELECT '', count(*) FROM new_rows HAVING count(*) > 0;
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        INSERT INTO term_stats (lexeme, df)
        SELECT x, -count(*) FROM old_rows o, unnest(tsvector_to_array(o.tsv)) AS x GROUP BY x
        UNION ALL
        SELECT '', -count(*) FROM old_rows HAVING count(*) > 0;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER chunks_term_stats_insert AFTER INSERT ON chunks
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION civitas_term_stats_add();
CREATE TRIGGER chunks_term_stats_delete AFTER DELETE ON chunks
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION civitas_term_stats_add();
CREATE TRIGGER chunks_term_stats_update AFTER UPDATE ON chunks
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION civitas_term_stats_add();

-- Folds each lexeme's rows into one (dropping lexemes no chunk holds any
-- more) and returns how many rows it removed. Only one compaction runs at
-- a time (a transaction-level advisory lock, tried, never waited for: a
-- second caller returns 0 at once). A compaction deletes only rows that
-- were committed when it started and inserts their sum in the same
-- transaction, so readers see the same totals before and after, and a
-- writer's rows committed meanwhile stay as they are; writers never delete
-- or update, so it waits for no one and no one waits for it.
CREATE FUNCTION civitas_compact_term_stats() RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
BEGIN
    IF NOT pg_try_advisory_xact_lock(hashtext('civitas_compact_term_stats')) THEN
        RETURN 0;
    END IF;
    WITH gone AS (
        DELETE FROM term_stats
        WHERE lexeme IN (SELECT lexeme FROM term_stats GROUP BY lexeme HAVING count(*) > 1 OR sum(df) = 0)
        RETURNING lexeme, df
    ), folded AS (
        INSERT INTO term_stats (lexeme, df)
        SELECT lexeme, sum(df) FROM gone GROUP BY lexeme HAVING sum(df) <> 0
        RETURNING 1
    )
    SELECT (SELECT count(*) FROM gone) - (SELECT count(*) FROM folded) INTO n;
    RETURN n;
END $$;

-- The statistics of the chunks stored so far.
INSERT INTO term_stats (lexeme, df)
SELECT x, count(*) FROM chunks c, unnest(tsvector_to_array(c.tsv)) AS x GROUP BY x;
INSERT INTO term_stats (lexeme, df) SELECT '', count(*) FROM chunks HAVING count(*) > 0;
