package retrieve

import (
	"context"
	"time"

	"github.com/civitas-eu/civitas/internal/store"
)

// Learnt weights of the vector side in hybrid fusion.
//
// The weights are learnt from the golden questions, per embedding model
// and question language (internal/eval.LearnWeights, run by the job
// internal/modeladmin queues when golden questions are added and when the
// switch guard scores a new model), and kept in the table fusion_weights
// (migration 0021), so that every server and worker process fuses alike.
// A Retriever reads a model's weights at most every weightTTL: a process
// picks up newly learnt ones within that time, without a query per
// question. A language without a learnt weight fuses with weight 1, the
// evidence fusion as it is.
const weightTTL = time.Minute

// weights are the learnt weights of one model, by language.
type weights struct {
	byLang map[string]float64
	at     time.Time
}

// VectorWeight returns the vector side's weight in hybrid fusion for
// model and a question in language: the learnt one, or 1 when none was
// learnt (too few golden questions in that language).
func (r *Retriever) VectorWeight(ctx context.Context, model, language string) (float64, error) {
	r.mu.Lock()
	ws, ok := r.weights[model]
	r.mu.Unlock()
	if !ok || time.Since(ws.at) >= weightTTL {
		rows, err := r.store.FusionWeights(ctx, model)
		if err != nil {
			return 0, err
		}
		ws = weights{byLang: make(map[string]float64, len(rows)), at: time.Now()}
		for _, w := range rows {
			ws.byLang[w.Language] = w.Vector
		}
		r.mu.Lock()
		if len(r.weights) >= maxFloors { // one entry per model: never reached in practice
			clear(r.weights)
		}
		r.weights[model] = ws
		r.mu.Unlock()
	}
	if w, ok := ws.byLang[language]; ok {
		return w, nil
	}
	return 1, nil
}

// ForgetWeights drops the cached weights, so that the next question reads
// them again: for the process that has just learnt new ones.
func (r *Retriever) ForgetWeights() {
	r.mu.Lock()
	clear(r.weights)
	r.mu.Unlock()
}

// WeightsInForce returns the learnt weights of model as stored, by
// language (for the admin and `assistant eval`).
func (r *Retriever) WeightsInForce(ctx context.Context, model string) ([]store.FusionWeight, error) {
	return r.store.FusionWeights(ctx, model)
}
