-- 0009: feedback on answers.
--
-- A user may rate an answer they asked for, thumbs up or down, with an
-- optional comment. One row per user and answer: rating again replaces the
-- earlier verdict (the latest opinion is the one that counts). Feedback
-- goes with its answer when the answer is deleted (retention).

CREATE TABLE answer_feedback (
    answer_id  bigint NOT NULL REFERENCES answers (id) ON DELETE CASCADE,
    user_name  text NOT NULL CHECK (user_name <> ''),
    rating     text NOT NULL CHECK (rating IN ('up', 'down')),
    comment    text NOT NULL DEFAULT '' CHECK (char_length(comment) <= 2000),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (answer_id, user_name)
);

CREATE INDEX answer_feedback_created ON answer_feedback (created_at DESC);
