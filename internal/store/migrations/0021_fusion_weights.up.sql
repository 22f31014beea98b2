-- 0021: the vector side's weight in hybrid fusion, learnt per embedding
-- model and question language from the golden questions (internal/eval
-- LearnWeights, internal/modeladmin fusion_weights.go): the weight among a few
-- candidates that ranks the language's golden questions best in hybrid
-- retrieval. A table, not a per-process cache, so that every server and
-- worker process fuses with the same weights, and so that learning (a
-- retrieval per golden question and candidate weight: minutes with a real
-- model) runs once, in the job queue, not in each process. No row for a
-- model and language: fewer than 3 golden questions, the fusion is left
-- as it is (weight 1). The scores the weight was chosen on are kept for
-- the admin to read.
CREATE TABLE fusion_weights (
    model         text NOT NULL,
    language      text NOT NULL,
    vector_weight double precision NOT NULL CHECK (vector_weight >= 0 AND vector_weight <= 1),
    questions     integer NOT NULL CHECK (questions > 0),
    hit5          double precision NOT NULL,
    mrr           double precision NOT NULL,
    learnt_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (model, language)
);
