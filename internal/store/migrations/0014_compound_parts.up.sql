-- 0014: German compounds split into their parts for full-text search, so
-- that "Parkausweis für Bewohner" finds "Bewohnerparkausweis"
-- (internal/compound).
--
-- compound_vocabulary: the words of each German document, the vocabulary a
-- compound is split against (a part is a word the corpus knows; how many
-- documents hold it settles between two ways to cut). Rows go with their
-- document, so an erased or replaced document leaves none of its words.
CREATE TABLE compound_vocabulary (
    word        text NOT NULL,
    document_id bigint NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    PRIMARY KEY (word, document_id)
);
CREATE INDEX compound_vocabulary_document ON compound_vocabulary (document_id);

-- compound_parts: the parts of the chunk's compounds, space separated,
-- written at ingest; the full-text vector holds them next to the content.
-- Chunks written before this migration have none until re-ingested.
ALTER TABLE chunks ADD COLUMN compound_parts text NOT NULL DEFAULT '';
DROP INDEX chunks_tsv;
ALTER TABLE chunks DROP COLUMN tsv;
ALTER TABLE chunks ADD COLUMN tsv tsvector GENERATED ALWAYS AS
    (to_tsvector(ts_config, content) || to_tsvector(ts_config, compound_parts)) STORED;
-- As in 0004: no pending list, PGlite never vacuums it away.
CREATE INDEX chunks_tsv ON chunks USING gin (tsv) WITH (fastupdate = off);
