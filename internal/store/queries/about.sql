-- Transparency: what a caller can see.

-- name: VisibleCollections
-- Collections with at least one current document the caller may see, and
-- how many: a collection of documents all outside the caller's groups is
-- not even named.
SELECT c.name, count(*)
FROM collections c
JOIN documents d ON d.collection_id = c.id
WHERE d.superseded_by IS NULL
  AND (cardinality(d.access_groups) = 0 OR d.access_groups && $1::text[])
GROUP BY c.name
ORDER BY c.name;
