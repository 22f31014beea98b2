-- Compound splitting: the corpus vocabulary (migration 0014).

-- name: CompoundWordFrequencies
-- How many documents hold each of the words asked about; unknown words
-- are absent.
SELECT v.word, count(*)::int
FROM compound_vocabulary v
WHERE v.word = ANY ($1::text[])
GROUP BY v.word;

-- name: InsertCompoundVocabulary
-- The words of a German document, less the stop words of German (an empty
-- vector), which would make "der" or "eine" a part.
INSERT INTO compound_vocabulary (word, document_id)
SELECT DISTINCT w, $1::bigint
FROM unnest($2::text[]) AS w
WHERE to_tsvector('german', w) <> ''::tsvector
ON CONFLICT DO NOTHING;

-- name: DeleteCompoundVocabularyOf
DELETE FROM compound_vocabulary WHERE document_id = $1;
