-- What audit events need to know beyond the row they describe.

-- name: EmbedModelDigest
-- The digest of an embedding model as registered; '' when unknown.
SELECT coalesce((SELECT digest FROM embedding_models WHERE name = $1), '');

-- name: DocumentForAudit
SELECT d.id, c.name, d.source_uri, d.version, encode(d.content_hash, 'hex')
FROM documents d JOIN collections c ON c.id = d.collection_id
WHERE d.id = $1;
