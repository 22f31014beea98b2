-- Feedback on answers.

-- name: UpsertFeedback
-- Only the user who asked may rate an answer: the insert selects the
-- answer by id and asker, so for anybody else no row is written (and the
-- caller reports "not found"). Rating again replaces the earlier verdict.
INSERT INTO answer_feedback (answer_id, user_name, rating, comment)
SELECT a.id, a.user_name, $3, $4
FROM answers a WHERE a.id = $1 AND a.user_name = $2
ON CONFLICT (answer_id, user_name)
DO UPDATE SET rating = EXCLUDED.rating, comment = EXCLUDED.comment, created_at = now()
RETURNING answer_id, user_name, rating, comment, created_at;

-- name: GetFeedback
SELECT answer_id, user_name, rating, comment, created_at
FROM answer_feedback WHERE answer_id = $1 AND user_name = $2;
