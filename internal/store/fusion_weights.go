package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// FusionWeight is the vector side's weight in hybrid fusion for one
// embedding model and question language, learnt from the golden questions
// of that language (internal/eval.LearnWeights), with the hybrid scores it
// was chosen on.
type FusionWeight struct {
	Model     string    `json:"model"`
	Language  string    `json:"language"`
	Vector    float64   `json:"vector_weight"`
	Questions int       `json:"questions"`
	Hit5      float64   `json:"hit5"`
	MRR       float64   `json:"mrr"`
	LearntAt  time.Time `json:"learnt_at"`
}

// FusionWeights returns the learnt weights of model, by language; none
// when nothing was learnt for it.
func (s *Store) FusionWeights(ctx context.Context, model string) ([]FusionWeight, error) {
	rows, err := s.db.Query(ctx, s.q("FusionWeights"), model)
	if err != nil {
		return nil, fmt.Errorf("store: fusion weights of %s: %w", model, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (FusionWeight, error) {
		var w FusionWeight
		err := r.Scan(&w.Model, &w.Language, &w.Vector, &w.Questions, &w.Hit5, &w.MRR, &w.LearntAt)
		return w, err
	})
	if err != nil {
		return nil, fmt.Errorf("store: fusion weights of %s: %w", model, err)
	}
	return out, nil
}

// ReplaceFusionWeights makes ws the learnt weights of model, in one
// transaction: a language that no longer has enough golden questions
// loses its weight.
func (s *Store) ReplaceFusionWeights(ctx context.Context, model string, ws []FusionWeight) error {
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, s.q("DeleteFusionWeights"), model); err != nil {
			return err
		}
		for _, w := range ws {
			if _, err := tx.Exec(ctx, s.q("InsertFusionWeight"), model, w.Language, w.Vector, w.Questions, w.Hit5, w.MRR); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: replace fusion weights of %s: %w", model, err)
	}
	return nil
}
