package retrieve

import (
	"cmp"
	"context"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/civitas-eu/civitas/internal/store"
)

// Fusion of the two sides of a hybrid search.
//
// Plain reciprocal rank fusion trusts both sides equally on every
// question. With an embedding model that means little for the question's
// language (an English model on German text) or nothing at all (a random
// test model), its neighbours are noise, and giving noise half the vote
// pushes good full-text results down: on the shared QA set, plain fusion
// with the random test model took hit@5 from 0.88 (full text) to 0.62.
//
// So each side votes only with the evidence it brings, calibrated per
// model, per language and per searched scope without labelled data: the
// noise floor of a side is the best score it gives to an everyday sentence
// in the question's language that no document answers (probes): what that
// side finds by chance — common words on the text side; on the vector side
// a model's general sense of a language, or the hub chunks a meaningless
// model puts near everything.
//
// A candidate's strength on a side is how many times chance it is: on the
// text side score/floor, on the vector side (1 - floor)/(1 - similarity),
// the distance to identity that chance leaves over the distance the
// candidate leaves (both 1 at the floor, below 1 under it). A candidate
// ranks by its stronger side, plus what the other side adds over chance
// (its strength - 1, nothing at or under its floor): agreement lifts a
// chunk, a chance match on the other side does not. Two properties follow
// that make hybrid at least as good as its better half, on any corpus and
// language, not on one question set:
//
//   - A side without evidence changes nothing: when no vector candidate
//     beats its floor (a random model; a model blind to the language),
//     every text candidate keeps a score proportional to its full-text
//     score, so hybrid ranks and caps per document (capPerDocument compares
//     scores as ratios) exactly as full text does, and what vector search
//     found below its floor only follows. Reciprocal-rank scores, 1/(60 +
//     rank), kept the order but squeezed the ratios: the per-document cap
//     then took a document's fourth passage for less than half as good as
//     another document's 17th, and pushed the answer to rank 6 (de-21).
//   - No constant is tuned: the floors are measured, strengths are ratios
//     to them, and without floors (none measured) plain reciprocal rank
//     fusion is the fallback.
//
// With the random test model the vector floor is a similarity of 0.9999
// (its vectors never vote); with the English all-MiniLM-L6-v2 the floors
// are about 0.2 for English, 0.46 for German and 0.5 for French questions.
//
// The floors are chance for an off-topic sentence, not for an on-topic
// passage that does not answer: on the whole shared corpus, MiniLM's
// English neighbours from two long PDFs on the question's subject pass the
// English floor with strength 1.6-2.0 and push full text's answers down
// (en-12, en-13). No label-free rule found separates the two, so where
// knowledge managers keep golden questions the vector side's votes are
// also multiplied by a weight learnt from them per model and language
// (weights.go): 1, the evidence fusion as it is, unless the golden
// questions rank better with less.
const (
	rrfK       = 60               // the usual reciprocal rank fusion constant: 1/(60+rank)
	candidates = 40               // at least this many hits are fetched from each side
	floorTTL   = 10 * time.Minute // documents change; floors are measured again after this
	maxFloors  = 1024             // floors kept at most (one per model, language and scope)
)

// floors are the noise floors of the two sides for one model, language and
// scope.
type floors struct {
	lexical, vector float64
	at              time.Time
}

// fuse merges the text side's and the vector side's hits (each best first)
// into one ranking of at most k, best first. Each hit keeps its rank on
// both sides and its similarity, for the answer's evidence checks. w, in
// [0, 1], multiplies the vector side's votes (weights.go): 0 leaves the
// text side's ranking, 1 the evidence fusion unchanged.
func fuse(lex, vec []store.Retrieved, k int, f floors, w float64) []store.Retrieved {
	type entry struct {
		hit      store.Retrieved
		lex, vec float64 // strength on each side; 0: not found there
	}
	byID := make(map[int64]*entry, len(lex)+len(vec))
	var order []int64
	get := func(h store.Retrieved) *entry {
		e, ok := byID[h.ChunkID]
		if !ok {
			e = &entry{hit: h}
			e.hit.LexicalRank, e.hit.VectorRank, e.hit.Similarity = 0, 0, 0
			byID[h.ChunkID] = e
			order = append(order, h.ChunkID)
		}
		return e
	}
	plain := f.lexical <= 0 && f.vector <= 0 // no floors measured
	if len(lex) == 0 {
		w = 1 // nothing to prefer to the vector side's votes
	}
	unit := lexicalUnit(lex, f.lexical)
	for i, h := range lex {
		e := get(h)
		e.hit.LexicalRank = i + 1
		if plain {
			e.lex = 1 / float64(rrfK+i+1)
		} else {
			e.lex = h.Score / unit
		}
	}
	for i, h := range vec {
		e := get(h)
		e.hit.VectorRank = i + 1
		e.hit.Similarity = h.Similarity
		if plain {
			e.vec = 1 / float64(rrfK+i+1)
		} else {
			e.vec = vectorStrength(h.Similarity, f.vector)
		}
		e.vec *= w
	}
	out := make([]store.Retrieved, 0, len(order))
	for _, id := range order {
		e := byID[id]
		if plain {
			e.hit.Score = e.lex + e.vec
		} else {
			strong, weak := max(e.lex, e.vec), min(e.lex, e.vec)
			e.hit.Score = strong + max(0, weak-1)
		}
		if e.hit.Score <= 0 || math.IsNaN(e.hit.Score) {
			continue
		}
		out = append(out, e.hit)
	}
	slices.SortStableFunc(out, func(a, b store.Retrieved) int {
		return cmp.Or(cmp.Compare(b.Score, a.Score), cmp.Compare(a.ChunkID, b.ChunkID))
	})
	return out[:min(k, len(out))]
}

// lexicalUnit is what a full-text score is measured against: the side's
// floor, or, where the probes match nothing in the scope (no chance
// matches at all), the weakest match of this question, so that every
// match counts as evidence.
func lexicalUnit(lex []store.Retrieved, floor float64) float64 {
	if floor > 0 {
		return floor
	}
	unit := math.Inf(1)
	for _, h := range lex {
		if h.Score > 0 {
			unit = min(unit, h.Score)
		}
	}
	if math.IsInf(unit, 1) {
		return 1
	}
	return unit
}

// vectorStrength is how many times chance a vector candidate of
// similarity s is: the distance from the floor to identity over the
// candidate's own distance to identity; 0 when the floor is identity (a
// model whose chance matches are perfect tells nothing).
func vectorStrength(s, floor float64) float64 {
	if floor >= 1 {
		return 0
	}
	return (1 - floor) / max(1-s, 1e-9)
}

// noiseFloors returns the floors of both sides for model m, the question's
// language and the query's scope (its filter), measuring them with the
// probes of that language on a cache miss.
func (r *Retriever) noiseFloors(ctx context.Context, m store.EmbeddingModel, language string, sq store.RetrieveQuery) (floors, error) {
	key := strings.Join([]string{m.Name, language, scopeKey(sq.RetrieveFilter)}, "\x00")
	r.mu.Lock()
	f, ok := r.floors[key]
	r.mu.Unlock()
	if ok && time.Since(f.at) < floorTTL {
		return f, nil
	}
	texts := probesFor(language)
	vecs, err := r.emb.Embed(ctx, m.Name, texts)
	if err != nil {
		return floors{}, err
	}
	f = floors{at: time.Now()}
	for i, text := range texts {
		pq := sq
		pq.Text, pq.K, pq.Vector = text, 1, vecs[i]
		lex, err := r.store.RetrieveLexical(ctx, pq)
		if err != nil && !errors.Is(err, store.ErrEmptyQuery) {
			return floors{}, err
		}
		vec, err := r.store.RetrieveVector(ctx, m, pq)
		if err != nil {
			return floors{}, err
		}
		if len(lex) > 0 {
			f.lexical = max(f.lexical, lex[0].Score)
		}
		if len(vec) > 0 {
			f.vector = max(f.vector, vec[0].Similarity)
		}
	}
	r.mu.Lock()
	if len(r.floors) >= maxFloors { // scopes vary per user and selection: bound the cache
		clear(r.floors)
	}
	r.floors[key] = f
	r.mu.Unlock()
	return f, nil
}

// scopeKey identifies what a query may search: floors measured over one
// scope do not hold for another.
func scopeKey(f store.RetrieveFilter) string {
	var b strings.Builder
	for _, part := range [][]string{f.Collections, f.Languages, f.Groups} {
		s := slices.Clone(part)
		slices.Sort(s)
		b.WriteString(strings.Join(s, ","))
		b.WriteByte('|')
	}
	for _, id := range f.DocumentIDs {
		b.WriteString(strconv.FormatInt(id, 10))
		b.WriteByte(',')
	}
	if f.From != nil {
		b.WriteString(f.From.String())
	}
	b.WriteByte('|')
	if f.To != nil {
		b.WriteString(f.To.String())
	}
	return b.String()
}
