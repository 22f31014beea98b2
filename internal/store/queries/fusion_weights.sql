-- Vector weights of hybrid fusion (migration 0021).

-- name: FusionWeights
-- $1: an embedding model's name.
SELECT model, language, vector_weight, questions, hit5, mrr, learnt_at
FROM fusion_weights
WHERE model = $1
ORDER BY language;

-- name: DeleteFusionWeights
DELETE FROM fusion_weights WHERE model = $1;

-- name: InsertFusionWeight
INSERT INTO fusion_weights (model, language, vector_weight, questions, hit5, mrr)
VALUES ($1, $2, $3, $4, $5, $6);
