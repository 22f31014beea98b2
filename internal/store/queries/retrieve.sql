-- Retrieval: hybrid (vector + full text, fused by reciprocal rank), and
-- each side alone. Every filter, access groups included, is a condition
-- of the query itself, so a chunk the caller may not see is never a
-- candidate, never counted, never returned.
--
-- Parameters are named (pgx.StrictNamedArgs). The filter, shared by all
-- of them, reads:
--   collections text[]   collection names; empty: all
--   languages   text[]   document languages (ISO 639-1); empty: all
--   date_from   timestamptz, date_to timestamptz (inclusive; NULL: open)
--                        on source_modified_at, else created_at
--   documents   bigint[] document ids; empty: all
--   groups      text[]   the caller's access groups
-- {{visible}} is replaced by the RetrieveFilter block below, and {{id}},
-- {{dims}} and {{type}} by the embedding model's id, dimension (integers
-- from embedding_models, never user text) and vector type (vector or
-- halfvec): the cast must match the model's index for the index to apply.
--
-- Full text is built for languages that differ from document to document.
-- Each chunk's tsv was made with its document's configuration, so the
-- question is parsed once in every configuration that visible documents
-- use and matched only against chunks of that configuration; a German
-- question thus still finds an English passage by its shared words
-- (names, numbers, loan words). The question is not ANDed word by word,
-- as websearch_to_tsquery would, since a long natural question almost
-- never has all its words in one passage: each lexeme (and each quoted
-- phrase) is a term of its own, weighted by its inverse document
-- frequency, and a chunk scores the BM25-like sum of the terms it holds
-- (ts_rank of the single term, which saturates with repetition, scaled by
-- the term's idf), its title and headings counting too.

-- name: RetrieveFilter
-- A WHERE fragment over documents d, not a query of its own.
d.superseded_by IS NULL
AND (cardinality(d.access_groups) = 0 OR d.access_groups && @groups::text[])
AND (cardinality(@collections::text[]) = 0
     OR d.collection_id IN (SELECT col.id FROM collections col WHERE col.name = ANY (@collections::text[])))
AND (cardinality(@languages::text[]) = 0 OR d.language = ANY (@languages::text[]))
AND (cardinality(@documents::bigint[]) = 0 OR d.id = ANY (@documents::bigint[]))
AND (@date_from::timestamptz IS NULL OR coalesce(d.source_modified_at, d.created_at) >= @date_from::timestamptz)
AND (@date_to::timestamptz IS NULL OR coalesce(d.source_modified_at, d.created_at) <= @date_to::timestamptz)

-- name: RetrieveSettings
-- hnsw.ef_search bounds how many candidates one HNSW scan returns; with
-- iterative scans (pgvector 0.8) the scan goes on past that number until
-- enough rows pass the filters, instead of returning fewer than asked.
-- Both are set for the current transaction only.
SELECT set_config('hnsw.ef_search', @ef_search::text, true),
       set_config('hnsw.iterative_scan', 'relaxed_order', true);

-- name: RetrieveHybrid
WITH semantic AS (
    -- relaxed_order may return rows slightly out of order: rank them again.
    SELECT v.id, v.distance, row_number() OVER (ORDER BY v.distance, v.id) AS rank
    FROM (
        SELECT c.id, e.embedding::{{type}}({{dims}}) <=> @vector::text::{{type}}({{dims}}) AS distance
        FROM embeddings e
        JOIN chunks c ON c.id = e.chunk_id
        JOIN documents d ON d.id = c.document_id
        WHERE e.model_id = {{id}} AND {{visible}}
        ORDER BY e.embedding::{{type}}({{dims}}) <=> @vector::text::{{type}}({{dims}})
        LIMIT @candidates
    ) v
),
{{lexical}}
keyword AS (
    SELECT l.id, row_number() OVER (ORDER BY l.score DESC, l.id) AS rank
    FROM (SELECT s.id, s.score FROM lexical s ORDER BY s.score DESC, s.id LIMIT @candidates) l
),
fused AS (
    SELECT coalesce(s.id, k.id) AS id,
           coalesce(1.0 / (@rrf_k + s.rank), 0.0) + coalesce(1.0 / (@rrf_k + k.rank), 0.0) AS score,
           s.rank AS semantic_rank, k.rank AS keyword_rank, s.distance
    FROM semantic s
    FULL OUTER JOIN keyword k ON k.id = s.id
    ORDER BY score DESC, id
    LIMIT @k
)
SELECT {{columns}}, f.score::float8, coalesce(f.keyword_rank, 0)::int, coalesce(f.semantic_rank, 0)::int,
       coalesce(1 - f.distance, 0)::float8
FROM fused f
JOIN chunks c ON c.id = f.id
JOIN documents d ON d.id = c.document_id
ORDER BY f.score DESC, c.id;

-- name: RetrieveLexical
WITH
{{lexical}}
ranked AS (
    SELECT s.id, s.score, row_number() OVER (ORDER BY s.score DESC, s.id) AS rank
    FROM (SELECT s.id, s.score FROM lexical s ORDER BY s.score DESC, s.id LIMIT @k) s
)
SELECT {{columns}}, r.score::float8, r.rank::int, 0, 0::float8
FROM ranked r
JOIN chunks c ON c.id = r.id
JOIN documents d ON d.id = c.document_id
ORDER BY r.rank;

-- name: RetrieveVector
WITH semantic AS (
    SELECT v.id, v.distance, row_number() OVER (ORDER BY v.distance, v.id) AS rank
    FROM (
        SELECT c.id, e.embedding::{{type}}({{dims}}) <=> @vector::text::{{type}}({{dims}}) AS distance
        FROM embeddings e
        JOIN chunks c ON c.id = e.chunk_id
        JOIN documents d ON d.id = c.document_id
        WHERE e.model_id = {{id}} AND {{visible}}
        ORDER BY e.embedding::{{type}}({{dims}}) <=> @vector::text::{{type}}({{dims}})
        LIMIT @k
    ) v
)
SELECT {{columns}}, (1 - s.distance)::float8, 0, s.rank::int, (1 - s.distance)::float8
FROM semantic s
JOIN chunks c ON c.id = s.id
JOIN documents d ON d.id = c.document_id
ORDER BY s.rank;

-- name: RetrieveLexicalCTE
-- The full-text side, spliced into the queries above as {{lexical}}: a
-- list of CTEs ending in lexical (id, score).
--
-- configs: the text search configurations of the visible documents; the
-- question is parsed in each. exclude: lexemes of the words the user
-- excluded (-word), which no returned chunk may hold.
-- docs: the current documents, each with whether the caller may see it,
-- read once per query; everything below looks visibility up here.
docs AS MATERIALIZED (
    SELECT d.id, d.ts_config, ({{visible}}) IS TRUE AS visible
    FROM documents d
    WHERE d.superseded_by IS NULL
),
-- everyone: whether the caller sees every current document, and so every
-- chunk (superseded versions keep no chunks).
everyone AS (
    SELECT NOT EXISTS (SELECT 1 FROM docs WHERE NOT docs.visible) AS yes
),
configs AS (
    SELECT cfg.cfg,
           coalesce((SELECT string_agg(quote_literal(x), ' | ')
                     FROM unnest(tsvector_to_array(to_tsvector(cfg.cfg, @exclude::text))) AS x), '') AS exclude
    FROM (SELECT DISTINCT v.ts_config AS cfg FROM docs v WHERE v.visible) cfg
),
-- stop: the question's own stop words ("der", "wie", "the" in its own
-- language), left out in every configuration, where they might not be
-- stop words and would match by chance. They matter only where a visible
-- document has another configuration than the question's (which drops
-- them itself); ts_debug, which finds them, costs more than the rest of the
-- question's parsing, so a one-language corpus skips it.
stop AS (
    SELECT coalesce(string_agg(t.token, ' '), '') AS words
    FROM ts_debug(@question_config::regconfig, @text::text) t
    WHERE t.lexemes = '{}'
      AND EXISTS (SELECT 1 FROM configs c WHERE c.cfg <> @question_config::regconfig)
),
-- terms: one per distinct lexeme of the question, and one per quoted
-- phrase, in each configuration. quote_literal makes a lexeme a tsquery
-- of exactly that lexeme (no second parse that would split "ki-verordn").
terms AS (
    SELECT DISTINCT t.cfg, t.query, t.phrase, t.lexeme
    FROM (
        SELECT c.cfg, quote_literal(x)::tsquery AS query, false AS phrase, x AS lexeme
        FROM configs c, stop s,
             unnest(tsvector_to_array(ts_delete(to_tsvector(c.cfg, @text::text),
                                                tsvector_to_array(to_tsvector(c.cfg, s.words))))) AS x
        UNION ALL
        SELECT c.cfg, phraseto_tsquery(c.cfg, p), true, NULL::text
        FROM configs c, unnest(@phrases::text[]) AS p
    ) t
    WHERE numnode(t.query) > 0
),
-- corpus: the number of chunks, the one global figure (the idf of a term
-- that is rare among the visible chunks barely depends on it), kept in
-- term_stats by the chunks' triggers (migration 0019).
corpus AS (
    SELECT coalesce(sum(s.df), 0)::float8 AS n FROM term_stats s WHERE s.lexeme = ''
),
-- weighted: BM25's idf of each term, from the number of visible chunks
-- holding it. Counting only what the caller may see keeps documents they
-- may not see from shaping their ranking (or being guessed at through it).
-- The count stops at df_cap: a term that common is as good as a stop word,
-- and counting on would cost more than it tells.
--
-- When the caller sees every chunk, the visible chunks holding a lexeme
-- are all those holding it, which term_stats keeps: one index lookup
-- instead of a walk of the full-text index, same figure. Otherwise (and
-- for phrases) they are counted: the chunks of a term come from the
-- full-text index, and each one's document is looked up in the visible
-- ones, hashed once per query (the IS TRUE keeps the planner from turning
-- the IN into a join). Written as a join, the planner, which cannot
-- estimate how many chunks a tsquery computed in the query matches, tends
-- to drive it from documents and rescan the chunks once per document.
weighted AS (
    SELECT t.cfg, t.query, t.phrase, df.n AS df,
           ln(1 + (greatest(co.n, df.n) - df.n + 0.5) / (df.n + 0.5)) AS idf
    FROM terms t
    CROSS JOIN corpus co
    CROSS JOIN everyone ev
    CROSS JOIN LATERAL (
        SELECT CASE
            WHEN ev.yes AND NOT t.phrase THEN
                (SELECT least(coalesce(sum(s.df), 0), @df_cap)::float8 FROM term_stats s WHERE s.lexeme = t.lexeme)
            ELSE
                (SELECT count(*)::float8
                 FROM (
                     SELECT 1
                     FROM chunks c
                     WHERE c.tsv @@ t.query
                       AND (c.document_id IN (SELECT v.id FROM docs v WHERE v.visible)) IS TRUE
                     LIMIT @df_cap
                 ) x)
            END AS n
        -- OFFSET 0 keeps the count a subquery of its own, run once per
        -- term: pulled up, the CASE is copied into each of the four uses
        -- of df.n above, and the chunks were counted four times.
        OFFSET 0
    ) df
),
-- candidates: the visible chunks that hold a selective term (one with
-- fewer than df_cap visible chunks), or, when the question has none,
-- those holding any term. A chunk that holds only common words does not
-- make the list when rarer words were asked for: its score could not reach
-- theirs, and collecting it would cost the most.
candidates AS MATERIALIZED (
    SELECT DISTINCT ON (p.id) p.id, p.document_id, p.ts_config, p.tsv, p.token_count, p.heading_path
    FROM weighted w
    CROSS JOIN LATERAL (
        SELECT c.id, c.document_id, c.ts_config, c.tsv, c.token_count, c.heading_path
        FROM chunks c
        WHERE c.tsv @@ w.query AND c.ts_config = w.cfg
          AND (c.document_id IN (SELECT v.id FROM docs v WHERE v.visible)) IS TRUE
        OFFSET 0
    ) p
    WHERE w.df < @df_cap OR NOT EXISTS (SELECT 1 FROM weighted s WHERE s.df < @df_cap)
    ORDER BY p.id
),
-- matched: the candidates scored by the terms they hold, every term
-- counting, the common ones too; long chunks are damped a little.
matched AS MATERIALIZED (
    SELECT k.id, k.document_id, k.ts_config, k.heading_path,
           s.score / (1 - @length_b::float8 + @length_b::float8 * k.token_count / greatest(avg(k.token_count) OVER (), 1)) AS score
    FROM candidates k
    CROSS JOIN LATERAL (
        SELECT sum(w.idf * ts_rank('{1,1,1,1}', k.tsv, w.query)) AS score
        FROM weighted w
        WHERE w.cfg = k.ts_config AND k.tsv @@ w.query
    ) s
    WHERE NOT EXISTS (SELECT 1 FROM configs g WHERE g.cfg = k.ts_config AND g.exclude <> '' AND k.tsv @@ g.exclude::tsquery)
),
-- lexical: the best matches, with the terms found in the document's title
-- and the chunk's headings added: a passage under "§ 5 Steuersatz" of
-- the dog-tax bylaw answers a question about the dog tax even when its
-- own text says only "Steuer".
lexical AS (
    SELECT m.id, m.score + @heading_weight::float8 * coalesce(h.idf, 0) AS score
    FROM (SELECT * FROM matched ORDER BY score DESC, id LIMIT @rescore) m
    CROSS JOIN LATERAL (
        SELECT to_tsvector(m.ts_config, (SELECT d.title FROM documents d WHERE d.id = m.document_id)
                                        || ' ' || array_to_string(m.heading_path, ' ')) AS tsv
        OFFSET 0
    ) t
    CROSS JOIN LATERAL (
        SELECT sum(w.idf) AS idf
        FROM weighted w
        WHERE w.cfg = m.ts_config AND NOT w.phrase AND t.tsv @@ w.query
    ) h
),

-- name: RetrieveColumns
-- The columns every retrieval query returns, before its score and ranks.
c.id, c.document_id, d.version, c.ordinal, d.title, d.source_uri, d.media_type, d.language,
c.page_start, c.page_end, c.heading_path, c.content

-- name: NeighbourChunks
-- The chunks of a document within n places of an ordinal, the chunk itself
-- included, in reading order; none when the caller may not see it.
SELECT c.id, c.document_id, d.version, c.ordinal, d.title, d.source_uri, d.media_type, d.language,
       c.page_start, c.page_end, c.heading_path, c.content, 0::float8, 0, 0, 0::float8
FROM chunks c
JOIN documents d ON d.id = c.document_id
WHERE c.document_id = @document
  AND c.ordinal BETWEEN @ordinal::int - @n::int AND @ordinal::int + @n::int
  AND d.superseded_by IS NULL
  AND (cardinality(d.access_groups) = 0 OR d.access_groups && @groups::text[])
ORDER BY c.ordinal;

-- name: CompactTermStats
-- Folds term_stats' rows per lexeme (migration 0019); 0 when another
-- compaction is running.
SELECT civitas_compact_term_stats();
