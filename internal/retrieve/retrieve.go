// Package retrieve finds the passages of the ingested documents that best
// answer a question, for the answer generator to cite.
//
// A Retriever embeds the question with the embedding model and runs a
// hybrid search: vector neighbours on the model's HNSW index and
// full-text matches, each side with the caller's filters and access groups
// enforced in SQL, fused by reciprocal rank where each side votes with the
// evidence it brings over its noise floor for the question's language
// (fuse.go). When the model has
// no vectors stored or Ollama cannot embed the question, it falls back to
// full-text search alone and says so in Result.Mode and Result.Fallback.
//
// The fused list is then cleaned up for a reader: near-duplicate passages
// (boilerplate repeated across documents) are collapsed, an optional
// Reranker reorders what is left, no document contributes more than a few
// passages, and each passage can be widened by its neighbouring chunks.
//
// Documents gives whole documents as passages instead, for requests scoped
// to a few documents, under the same access rule.
package retrieve

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/civitas-eu/civitas/internal/lang"
	"github.com/civitas-eu/civitas/internal/ollama"
	"github.com/civitas-eu/civitas/internal/store"
)

// Retrieval modes, as reported in Result.Mode and accepted in Query.Mode.
const (
	ModeHybrid  = "hybrid"  // vector and full-text search, fused
	ModeLexical = "lexical" // full-text search only
	ModeVector  = "vector"  // vector search only
)

// Embedder embeds texts; *ollama.Client implements it. Embed returns an
// error wrapping ollama.ErrModelNotFound when the model is not installed
// and ollama.ErrUnavailable when the server cannot be reached.
type Embedder interface {
	Embed(ctx context.Context, model string, texts []string) ([][]float32, error)
}

var _ Embedder = (*ollama.Client)(nil)

// Reranker reorders passages by their relevance to the question, best
// first. It may drop passages but must not invent any; an error fails the
// retrieval.
type Reranker interface {
	Rerank(ctx context.Context, question string, passages []Passage) ([]Passage, error)
}

// NoRerank is the Reranker that keeps the fused order.
type NoRerank struct{}

// Rerank returns passages unchanged.
func (NoRerank) Rerank(_ context.Context, _ string, passages []Passage) ([]Passage, error) {
	return passages, nil
}

var _ Reranker = NoRerank{}

// ErrNoEmbeddings is returned when a query asks for vector or hybrid mode
// explicitly and the question cannot be embedded or the model has no
// vectors stored.
var ErrNoEmbeddings = errors.New("vector search unavailable")

// Config tunes a Retriever. The zero value of each field but EmbedModel
// means its default.
type Config struct {
	// EmbedModel is the Ollama embedding model the documents were ingested
	// with; its vectors are looked up by this name in embedding_models.
	EmbedModel string
	// K is the number of passages returned when a query does not say;
	// default 10.
	K int
	// PerDocument caps the passages taken from one document; default 3,
	// negative for no cap.
	PerDocument int
	// Neighbours widens each passage by this many chunks before and after
	// it, merging passages that then overlap; default 0 (off).
	Neighbours int
	// Duplicate is the word-shingle Jaccard similarity at or above which
	// two passages count as one; default 0.9, negative to keep all.
	Duplicate float64
	// Reranker reorders the fused passages; default NoRerank.
	Reranker Reranker
	// Backoff is how long vector search is skipped after Ollama was found
	// unreachable, so that every question does not wait out the client's
	// retries while it is down; default 15s.
	Backoff time.Duration
}

func (c Config) withDefaults() Config {
	if c.K <= 0 {
		c.K = 10
	}
	if c.PerDocument == 0 {
		c.PerDocument = 3
	}
	if c.Duplicate == 0 {
		c.Duplicate = 0.9
	}
	if c.Reranker == nil {
		c.Reranker = NoRerank{}
	}
	if c.Backoff <= 0 {
		c.Backoff = 15 * time.Second
	}
	return c
}

// Query is a question and the caller's constraints on where its answer
// may come from.
type Query struct {
	Text string
	// Language is the question's ISO 639-1 code; "" detects it. Its stop
	// words are left out of the full-text query.
	Language    string
	Collections []string  // collection names; none: all
	Languages   []string  // document languages; none: all
	From, To    time.Time // inclusive document date range; zero: open
	DocumentIDs []int64   // only these documents; none: all
	Groups      []string  // the caller's access groups; none: public documents only
	K           int       // passages to return; 0: the Retriever's default
	// Mode forces a retrieval mode (ModeLexical, ModeVector, ModeHybrid);
	// "" is hybrid, falling back to lexical when vectors are unavailable.
	// A forced vector or hybrid mode fails with ErrNoEmbeddings instead.
	Mode string
	// EmbedModel, when set, is the embedding model to search with instead
	// of Config.EmbedModel: the answer service resolves the active model
	// once per request and names it here, so that one question is never
	// searched with the vectors of two models.
	EmbedModel string
	// VectorWeight, when set, is the vector side's weight in hybrid fusion
	// instead of the one learnt for the model and language (weights.go):
	// the learning itself tries candidate weights with it.
	VectorWeight *float64
}

// Passage is a retrieved piece of a document, with what a citation needs.
type Passage struct {
	ChunkID         int64
	DocumentID      int64
	DocumentVersion int
	Title           string
	SourceURI       string
	MediaType       string
	PageStart       int // 0: the format has no pages
	PageEnd         int
	HeadingPath     []string
	Text            string
	Score           float64 // larger is better; comparable within one Result only
	Ordinal         int     // the chunk's place in its document
	// Evidence of relevance, for deciding whether the documents answer a
	// question at all: the 1-based rank in full-text search (0: the text
	// does not match) and the cosine similarity to the question (0: not
	// found by vector search).
	LexicalRank int
	Similarity  float64
}

// Result is what Retrieve found.
type Result struct {
	Passages []Passage
	// Mode is how the passages were found: ModeHybrid, ModeLexical or
	// ModeVector.
	Mode string
	// EmbedModel names the model the question was embedded with; "" in
	// lexical mode.
	EmbedModel string
	// Language is the question's language, as given or detected ("" when
	// unsure).
	Language string
	// Fallback says why vector search was not used when hybrid was asked
	// for; "" when it was not needed.
	Fallback string
}

// Retriever answers Retrieve calls from one store and embedder. It is safe
// for concurrent use when its store is (a pool-backed one is).
type Retriever struct {
	store *store.Store
	emb   Embedder
	cfg   Config
	log   *slog.Logger

	mu          sync.Mutex
	downUntil   time.Time // vector search skipped until then
	downBecause string
	floors      map[string]floors  // noise floors by model, language and scope (fuse.go)
	weights     map[string]weights // learnt vector weights by model (weights.go)
}

// New returns a Retriever. emb may be nil, which means lexical retrieval
// only.
func New(st *store.Store, emb Embedder, cfg Config, log *slog.Logger) *Retriever {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Retriever{store: st, emb: emb, cfg: cfg.withDefaults(), log: log, floors: map[string]floors{}, weights: map[string]weights{}}
}

// Retrieve returns the passages that best answer q, best first. It fails
// on an empty question, a database error, or a forced mode it cannot
// serve (ErrNoEmbeddings); never because of Ollama in the default mode.
func (r *Retriever) Retrieve(ctx context.Context, q Query) (Result, error) {
	text := strings.TrimSpace(q.Text)
	if text == "" {
		return Result{}, fmt.Errorf("retrieve: %w", store.ErrEmptyQuery)
	}
	k := q.K
	if k <= 0 {
		k = r.cfg.K
	}
	res := Result{Language: q.Language}
	if res.Language == "" {
		res.Language, _ = lang.Detect(text)
	}
	sq := store.RetrieveQuery{
		RetrieveFilter: store.RetrieveFilter{
			Collections: q.Collections, Languages: q.Languages, DocumentIDs: q.DocumentIDs, Groups: q.Groups,
			From: timePtr(q.From), To: timePtr(q.To),
		},
		Text:           text,
		QuestionConfig: lang.TSConfig(res.Language),
		// Fetch more than asked for: duplicates and the per-document cap
		// remove some.
		K: 3 * k,
	}

	mode := q.Mode
	if mode == "" {
		mode = ModeHybrid
	}
	var hits []store.Retrieved
	var err error
	switch mode {
	case ModeLexical:
		hits, err = r.store.RetrieveLexical(ctx, sq)
	case ModeVector, ModeHybrid:
		var m store.EmbeddingModel
		model := q.EmbedModel
		if model == "" {
			model = r.cfg.EmbedModel
		}
		m, sq.Vector, err = r.embed(ctx, model, text)
		switch {
		case err == nil:
			res.EmbedModel = m.Name
			if mode == ModeVector {
				hits, err = r.store.RetrieveVector(ctx, m, sq)
			} else {
				hits, err = r.hybrid(ctx, m, res.Language, sq, q.VectorWeight)
			}
		case errors.Is(err, ErrNoEmbeddings) && q.Mode == "":
			res.Fallback = err.Error()
			mode = ModeLexical
			hits, err = r.store.RetrieveLexical(ctx, sq)
		}
	default:
		return Result{}, fmt.Errorf("retrieve: unknown mode %q", q.Mode)
	}
	if err != nil {
		return Result{}, fmt.Errorf("retrieve: %w", err)
	}
	res.Mode = mode

	passages := make([]Passage, len(hits))
	for i, h := range hits {
		passages[i] = passageOf(h)
	}
	passages = collapseDuplicates(passages, r.cfg.Duplicate)
	passages, err = r.cfg.Reranker.Rerank(ctx, text, passages)
	if err != nil {
		return Result{}, fmt.Errorf("retrieve: rerank: %w", err)
	}
	passages = capPerDocument(passages, r.cfg.PerDocument)
	if len(passages) > k {
		passages = passages[:k]
	}
	if r.cfg.Neighbours > 0 {
		passages, err = r.expand(ctx, passages, q.Groups)
		if err != nil {
			return Result{}, fmt.Errorf("retrieve: %w", err)
		}
	}
	res.Passages = passages
	return res, nil
}

// hybrid runs both sides of a hybrid search, each for its own candidates,
// and fuses them by the evidence each brings over its noise floor for the
// question's language (fuse).
func (r *Retriever) hybrid(ctx context.Context, m store.EmbeddingModel, language string, sq store.RetrieveQuery, weight *float64) ([]store.Retrieved, error) {
	f, err := r.noiseFloors(ctx, m, language, sq)
	if err != nil {
		if ctx.Err() != nil {
			return nil, err
		}
		// Without floors each side votes by its score alone.
		r.log.Warn("cannot measure the noise floors: fusing without them", "model", m.Name, "err", err)
		f = floors{}
	}
	k := sq.K
	sq.K = max(4*k, candidates)
	lex, err := r.store.RetrieveLexical(ctx, sq)
	if err != nil && !errors.Is(err, store.ErrEmptyQuery) { // no searchable words: the vector side alone
		return nil, err
	}
	vec, err := r.store.RetrieveVector(ctx, m, sq)
	if err != nil {
		return nil, err
	}
	w := 1.0
	if weight != nil {
		w = *weight
	} else if w, err = r.VectorWeight(ctx, m.Name, language); err != nil {
		return nil, err
	}
	return fuse(lex, vec, k, f, w), nil
}

// embed returns the embedding model's record and the question's vector,
// or an error wrapping ErrNoEmbeddings when vector search cannot be done:
// no embedder, no vectors stored for the model, the model not installed,
// Ollama unreachable (remembered for Config.Backoff), or a vector of the
// wrong dimension.
func (r *Retriever) embed(ctx context.Context, model, text string) (store.EmbeddingModel, []float32, error) {
	if r.emb == nil || model == "" {
		return store.EmbeddingModel{}, nil, fmt.Errorf("%w: no embedding model configured", ErrNoEmbeddings)
	}
	if reason, down := r.down(); down {
		return store.EmbeddingModel{}, nil, fmt.Errorf("%w: %s", ErrNoEmbeddings, reason)
	}
	m, err := r.store.EmbeddingModel(ctx, model)
	if errors.Is(err, store.ErrNotFound) {
		return m, nil, fmt.Errorf("%w: no documents have been embedded with %s", ErrNoEmbeddings, model)
	}
	if err != nil {
		return m, nil, err
	}
	vecs, err := r.emb.Embed(ctx, m.Name, []string{text})
	switch {
	case err != nil && ctx.Err() != nil:
		return m, nil, err
	case errors.Is(err, ollama.ErrUnavailable):
		r.markDown(err.Error())
		r.log.Warn("embedding server unreachable: retrieving by full text only", "model", m.Name, "for", r.cfg.Backoff, "err", err)
		return m, nil, fmt.Errorf("%w: %w", ErrNoEmbeddings, err)
	case err != nil:
		r.log.Warn("cannot embed the question: retrieving by full text only", "model", m.Name, "err", err)
		return m, nil, fmt.Errorf("%w: %w", ErrNoEmbeddings, err)
	case len(vecs) != 1 || len(vecs[0]) != m.Dimensions:
		got := 0
		if len(vecs) == 1 {
			got = len(vecs[0])
		}
		return m, nil, fmt.Errorf("%w: %s returned a %d-dimension vector, its stored vectors have %d",
			ErrNoEmbeddings, m.Name, got, m.Dimensions)
	}
	return m, vecs[0], nil
}

func (r *Retriever) down() (string, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.downBecause, time.Now().Before(r.downUntil)
}

func (r *Retriever) markDown(reason string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.downUntil = time.Now().Add(r.cfg.Backoff)
	r.downBecause = reason
}

func passageOf(h store.Retrieved) Passage {
	p := Passage{
		ChunkID: h.ChunkID, DocumentID: h.DocumentID, DocumentVersion: h.DocumentVersion,
		Title: h.Title, SourceURI: h.SourceURI, MediaType: h.MediaType,
		HeadingPath: h.HeadingPath, Text: h.Content, Score: h.Score, Ordinal: h.Ordinal,
		LexicalRank: h.LexicalRank, Similarity: h.Similarity,
	}
	if h.PageStart != nil {
		p.PageStart = *h.PageStart
	}
	if h.PageEnd != nil {
		p.PageEnd = *h.PageEnd
	}
	return p
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
