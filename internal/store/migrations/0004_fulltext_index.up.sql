-- 0004: keep the full-text index's pending list empty.
--
-- With fastupdate, new chunks wait in the GIN index's pending list until a
-- vacuum merges them. PGlite (the development database) runs no autovacuum,
-- and a freshly ingested corpus was searched 18x slower until the list was
-- cleaned. Ingest writes in bulk per document, so inserting straight into
-- the index costs little.
ALTER INDEX chunks_tsv SET (fastupdate = off);
SELECT gin_clean_pending_list('chunks_tsv'::regclass);
