// Package answer turns a question into a cited answer from the ingested
// documents: it condenses a follow-up into a standalone question, retrieves
// passages (or, for a request scoped to a few short documents, takes them
// whole), packs them into a token budget, and streams the chat model's
// answer as events: sources first, then tokens, then a Done with the
// citations the answer makes and the provenance an audit needs.
//
// Sources go into the prompt as numbered, delimited data (<source id="N">
// blocks whose text cannot close or open a block) under a system prompt
// that forbids following instructions found in them. Citation markers are
// parsed from the finished text (see ParseCitations) and only those that
// name a source given survive.
//
// Two outcomes need no model: when nothing relevant is found, the reply is
// the not_covered template in the question's language; when the chat
// model is not installed or Ollama is unreachable, the answer degrades to
// search mode: the sources, and a Done with no text.
package answer

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/civitas-eu/civitas/internal/chunk"
	"github.com/civitas-eu/civitas/internal/fairqueue"
	"github.com/civitas-eu/civitas/internal/lang"
	"github.com/civitas-eu/civitas/internal/retrieve"
	"github.com/civitas-eu/civitas/prompts"
)

// Config tunes a Service. The zero value of every field but ChatModel
// (or Models) means its default.
type Config struct {
	// ChatModel is the Ollama model that writes answers when Models is nil.
	ChatModel string
	// Models, when set, names the chat and embedding models in force. It
	// is asked once per answer, so that an admin can switch models at any
	// time while an answer in flight keeps the models it started with.
	Models Models
	// ContextBudget is how many tokens (as chunk.CountTokens estimates
	// them) the sources may take in the prompt; default 1500. It is modest
	// on purpose: on a CPU-only server, evaluating the prompt is most of
	// the time to the first token.
	ContextBudget int
	// K is how many passages are retrieved; default 8. Those that do not
	// fit ContextBudget are left out.
	K int
	// MinScore drops retrieved passages scoring below it; 0 keeps all.
	// Scores are the retriever's and their scale depends on its mode
	// (fused ranks in hybrid mode), so set it only for a known mode.
	MinScore float64
	// MinSimilarity is the cosine similarity to the question from which a
	// passage that the full-text search did not find still counts as
	// evidence that the documents address the question (cross-lingual
	// questions match no words). When no passage is evidence, the answer
	// is "not covered" without calling the model. Default 0.5, for
	// multilingual embedding models such as bge-m3; above 1 only text
	// matches count.
	MinSimilarity float64
	// DefaultLanguage is the answer language when the request does not say
	// and the question is too short to tell; default "en".
	DefaultLanguage string
	// NumCtx is the context window asked of Ollama; default: room for the
	// budget, the prompt around it and the answer, in multiples of 1024,
	// within the model's context length. It stays the same from one answer
	// to the next, since Ollama reloads the model when it changes.
	NumCtx int
	// MaxAnswerTokens bounds the length of an answer; default 1024.
	MaxAnswerTokens int
	// Temperature of generation; 0 (the default) is greedy decoding, so the
	// same question over the same sources gets the same answer.
	Temperature float64
	// ModelTTL is how long what Show says of the chat model (its digest,
	// or that it is missing or unreachable) is trusted; default 30s.
	ModelTTL time.Duration
	// Reranker, when set, reorders the retrieved passages before packing
	// (rerank.go); nil keeps the fused order.
	Reranker Reranker
	// RerankCandidates is how many passages are retrieved for the
	// reranker to choose from; default 3×K. The reranker keeps its own
	// top n of them.
	RerankCandidates int
}

// promptReserve is the room NumCtx keeps for the system prompt, the
// source wrappers and the question, beyond ContextBudget.
const promptReserve = 1024

func (c Config) withDefaults() Config {
	if c.ContextBudget <= 0 {
		c.ContextBudget = 1500
	}
	if c.K <= 0 {
		c.K = 8
	}
	if c.DefaultLanguage == "" {
		c.DefaultLanguage = "en"
	}
	if c.MaxAnswerTokens <= 0 {
		c.MaxAnswerTokens = 1024
	}
	if c.ModelTTL <= 0 {
		c.ModelTTL = 30 * time.Second
	}
	if c.MinSimilarity == 0 {
		c.MinSimilarity = 0.5
	}
	if c.RerankCandidates <= 0 {
		c.RerankCandidates = 3 * c.K
	}
	return c
}

// Request is a question and where its answer may come from.
type Request struct {
	Question string
	// History is the conversation so far, oldest first; a follow-up is
	// condensed with it into a standalone question.
	History []Turn
	// Language is the answer's ISO 639-1 code; "" detects it from the
	// question (and the user's earlier turns), falling back to
	// Config.DefaultLanguage.
	Language string
	// UILanguage is the language of the asker's interface (the web chat's
	// language setting), a hint: it decides the answer's language when the
	// question is too short for detection to tell (lang.Detect needs about
	// twenty words), so that a four-word German question from a German
	// interface gets a German answer rather than the default language's.
	UILanguage  string
	Collections []string // none: all
	DocumentIDs []int64  // "chat with these files"; none: all
	Groups      []string // the caller's access groups; always enforced
	// User names the asker, for logs and for the generation queue, which
	// serves users in turn (internal/fairqueue).
	User string
}

// ErrEmptyQuestion is returned for a request without a question.
var ErrEmptyQuestion = errors.New("empty question")

// Service answers questions. It is safe for concurrent use.
type Service struct {
	cfg       Config
	retriever Retriever
	gen       Generator
	docs      DocumentSource
	prompts   *prompts.Set
	log       *slog.Logger

	mu     sync.Mutex
	probes map[string]*modelProbe // by chat model name
}

// New returns a Service. gen may be nil, which answers every question in
// search mode; docs may be nil, which retrieves passages for scoped
// requests too; log may be nil.
func New(cfg Config, r Retriever, gen Generator, docs DocumentSource, set *prompts.Set, log *slog.Logger) (*Service, error) {
	switch {
	case r == nil:
		return nil, errors.New("answer: no retriever")
	case set == nil:
		return nil, errors.New("answer: no prompt templates")
	case cfg.ChatModel == "" && cfg.Models == nil && gen != nil:
		return nil, errors.New("answer: no chat model configured")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg = cfg.withDefaults()
	return &Service{cfg: cfg, retriever: r, gen: gen, docs: docs, prompts: set, log: log, probes: map[string]*modelProbe{}}, nil
}

// Answer answers req, calling emit with each event in order: one
// EventSources, then EventToken events, then one EventDone, whose Done it
// also returns. EventQueued events may come before any of them but the
// first token, while the question waits for the chat model
// (internal/fairqueue). An error from emit (the client went away) stops the
// answer and is returned.
//
// Failures before the sources event (an empty question, retrieval) are
// returned with a zero Done and no event sent. Failures after it
// (generation breaking off) are sent as an EventError and returned with
// the partial Done, whose Mode is set. A cancelled ctx stops generation
// and is returned without an error event.
func (s *Service) Answer(ctx context.Context, req Request, emit func(Event) error) (Done, error) {
	start := time.Now()
	question := strings.TrimSpace(req.Question)
	if question == "" {
		return Done{}, fmt.Errorf("answer: %w", ErrEmptyQuestion)
	}
	language, detected := s.language(req, question)
	// The models are resolved once: every later step of this answer uses
	// these two, whatever an admin switches meanwhile.
	chat, embed := s.cfg.ChatModel, ""
	if s.cfg.Models != nil {
		chat, embed = s.cfg.Models.ActiveModels()
	}
	d := Done{
		Language: language, ChatModel: chat, PromptVersion: s.prompts.Version(),
		Citations: []Citation{}, RetrievedChunkIDs: []int64{}, CitedChunkIDs: []int64{},
	}

	// The chat model serves users in turn (internal/fairqueue): while
	// this question waits, the client learns how many are ahead of it.
	ctx = fairqueue.WithWaiter(ctx, fairqueue.Waiter{
		User:     req.User,
		Ahead:    func(n int) { _ = emit(Event{Type: EventQueued, Ahead: n}) },
		Admitted: func(waited time.Duration) { d.Timings.Queue += waited },
	})

	info, search, err := s.probe(ctx, chat)
	if err != nil {
		return Done{}, err
	}
	d.ChatDigest = info.Digest

	standalone := question
	if len(req.History) > 0 && !search {
		if standalone, err = s.condense(ctx, chat, req.History, question, language, info); err != nil {
			return Done{}, err
		}
	}

	retrievalStart := time.Now()
	passages, err := s.passages(ctx, req, standalone, detected, embed, &d)
	if err != nil {
		return Done{}, err
	}
	d.Timings.Retrieval = time.Since(retrievalStart)
	if passages, err = s.rerank(ctx, standalone, passages, &d); err != nil {
		return Done{}, err
	}
	for _, p := range passages {
		d.RetrievedChunkIDs = append(d.RetrievedChunkIDs, p.ChunkID)
	}

	sources, texts := numberSources(pack(passages, s.cfg.ContextBudget))
	if err := emit(Event{Type: EventSources, Sources: sources}); err != nil {
		return d, fmt.Errorf("answer: send sources: %w", err)
	}

	switch {
	case len(sources) == 0:
		err = s.notCovered(&d, start, emit)
	case search:
		d.Mode = ModeSearch
	default:
		err = s.generate(ctx, &d, info, standalone, sources, texts, start, emit)
	}
	d.Timings.Total = time.Since(start)
	if err != nil {
		return d, err
	}
	s.log.Debug("answered", "user", req.User, "mode", d.Mode, "retrieval_mode", d.RetrievalMode,
		"sources", len(sources), "cited", len(d.Citations), "language", d.Language, "reranker", d.Reranker,
		"rerank", d.Timings.Rerank, "queue", d.Timings.Queue, "first_token", d.Timings.FirstToken, "total", d.Timings.Total)
	done := d
	if err := emit(Event{Type: EventDone, Done: &done}); err != nil {
		return d, fmt.Errorf("answer: send done: %w", err)
	}
	return d, nil
}

// language returns the answer's language and the code to give the
// retriever: the request's, else one detected from the question, else
// from the question with the user's earlier turns (a short question alone
// is too short to tell), else the asker's interface language, else the
// default. Neither of the last two is given to the retriever: they say
// what the asker reads, not what the question's words are, and the
// retriever would drop that language's stop words from the question.
func (s *Service) language(req Request, question string) (answer, detected string) {
	if l := strings.ToLower(strings.TrimSpace(req.Language)); l != "" {
		return l, l
	}
	if code, _ := lang.Detect(question); code != "" {
		return code, code
	}
	var b strings.Builder
	for _, t := range req.History {
		if t.Role == "user" {
			b.WriteString(t.Content + "\n")
		}
	}
	if b.Len() > 0 {
		if code, _ := lang.Detect(b.String() + question); code != "" {
			return code, code
		}
	}
	if l := strings.ToLower(strings.TrimSpace(req.UILanguage)); l != "" {
		return l, ""
	}
	return s.cfg.DefaultLanguage, ""
}

// passages returns the passages to pack, best (or document order) first,
// and records how they were found in d.
func (s *Service) passages(ctx context.Context, req Request, question, language, embed string, d *Done) ([]retrieve.Passage, error) {
	whole, ok, err := s.wholeDocuments(ctx, req)
	if err != nil {
		return nil, err
	}
	if ok {
		d.RetrievalMode = RetrievalWholeDocument
		return whole, nil
	}
	k := s.cfg.K
	if s.cfg.Reranker != nil {
		k = max(k, s.cfg.RerankCandidates)
	}
	res, err := s.retriever.Retrieve(ctx, retrieve.Query{
		Text: question, Language: language, Collections: req.Collections,
		DocumentIDs: req.DocumentIDs, Groups: req.Groups, K: k, EmbedModel: embed,
	})
	if err != nil {
		return nil, fmt.Errorf("answer: %w", err)
	}
	d.RetrievalMode, d.EmbedModel = res.Mode, res.EmbedModel
	// Retrieval always returns the nearest passages, relevant or not: the
	// documents address the question only if some passage matches its
	// words or is close enough in meaning.
	if !slices.ContainsFunc(res.Passages, func(p retrieve.Passage) bool {
		return p.LexicalRank > 0 || (p.Similarity > 0 && p.Similarity >= s.cfg.MinSimilarity)
	}) {
		return nil, nil
	}
	if s.cfg.MinScore == 0 {
		return res.Passages, nil
	}
	return slices.DeleteFunc(slices.Clone(res.Passages), func(p retrieve.Passage) bool { return p.Score < s.cfg.MinScore }), nil
}

// wholeDocuments returns the chunks of the documents req is scoped to, in
// order, with ok true when they all fit the context budget together. Any
// document it cannot load (missing, or hidden from req.Groups) makes it
// give up, so that retrieval, which enforces access in SQL, decides.
func (s *Service) wholeDocuments(ctx context.Context, req Request) (out []retrieve.Passage, ok bool, err error) {
	if s.docs == nil || len(req.DocumentIDs) == 0 {
		return nil, false, nil
	}
	used := 0
	seen := map[int64]bool{}
	for _, id := range req.DocumentIDs {
		if seen[id] {
			continue
		}
		seen[id] = true
		chunks, err := s.docs.DocumentChunks(ctx, id, req.Groups)
		if err != nil {
			if ctx.Err() != nil {
				return nil, false, fmt.Errorf("answer: load document %d: %w", id, err)
			}
			s.log.Debug("scoped document not loaded whole: retrieving instead", "document", id, "err", err)
			return nil, false, nil
		}
		chunks = slices.Clone(chunks)
		slices.SortStableFunc(chunks, func(a, b retrieve.Passage) int { return cmp.Compare(a.Ordinal, b.Ordinal) })
		prev := ""
		for _, c := range chunks {
			text := c.Text
			c.Text = chunk.TrimOverlap(prev, c.Text)
			prev = text
			if strings.TrimSpace(c.Text) == "" {
				continue
			}
			if used += passageTokens(c); used > s.cfg.ContextBudget {
				return nil, false, nil
			}
			out = append(out, c)
		}
	}
	return out, len(out) > 0, nil
}

// numberSources numbers the packed passages from 1 and returns them as
// sources, with the texts to quote in the prompt.
func numberSources(passages []retrieve.Passage) ([]Source, []string) {
	sources := make([]Source, len(passages))
	texts := make([]string, len(passages))
	for i, p := range passages {
		sources[i] = Source{
			N: i + 1, ChunkID: p.ChunkID, DocumentID: p.DocumentID, DocumentVersion: p.DocumentVersion,
			// Users learn the file's name, not where it lies on the
			// server (issue 12).
			Title: p.Title, SourceURI: filepath.Base(p.SourceURI), MediaType: p.MediaType,
			PageStart: p.PageStart, PageEnd: p.PageEnd, HeadingPath: p.HeadingPath, Snippet: snippet(p.Text),
		}
		texts[i] = p.Text
	}
	return sources, texts
}

// notCovered sends the not_covered reply in d.Language as one token.
func (s *Service) notCovered(d *Done, start time.Time, emit func(Event) error) error {
	text, err := s.prompts.Render(prompts.NotCovered, map[string]any{"language": d.Language})
	if err != nil {
		d.Mode = ModeNotCovered
		_ = emit(Event{Type: EventError, Error: "The answer could not be completed."})
		return fmt.Errorf("answer: %w", err)
	}
	text = strings.TrimSpace(text)
	d.Mode, d.Answer = ModeNotCovered, text
	d.Timings.FirstToken = time.Since(start)
	if err := emit(Event{Type: EventToken, Token: text}); err != nil {
		return fmt.Errorf("answer: send token: %w", err)
	}
	return nil
}
