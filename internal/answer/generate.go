package answer

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/civitas-eu/civitas/internal/chunk"
	"github.com/civitas-eu/civitas/internal/ollama"
	"github.com/civitas-eu/civitas/prompts"
)

// errorMessage is what the user is told when generation breaks off; the
// cause goes to the log, through the returned error.
const errorMessage = "The language model stopped before the answer was complete. The sources above are still valid."

// errIncomplete is the error of a chat stream that ended without its
// final frame.
var errIncomplete = errors.New("the chat stream ended without its final frame")

// condenseTurns is how many of the latest turns a follow-up is condensed
// with, and condenseTurnRunes how much of each.
const (
	condenseTurns     = 6
	condenseTurnRunes = 800
	condenseTokens    = 96 // most tokens of a standalone question
)

// probe returns the chat model's details and whether the answer must be
// given in search mode. It fails only when ctx is done.
func (s *Service) probe(ctx context.Context, model string) (ollama.ModelInfo, bool, error) {
	if s.gen == nil {
		return ollama.ModelInfo{}, true, nil
	}
	info, err := s.probeFor(model).get(ctx)
	switch {
	case err == nil:
		return info, false, nil
	case ctx.Err() != nil:
		return info, false, fmt.Errorf("answer: %w", ctx.Err())
	case degraded(err):
		s.log.Warn("chat model unusable: answering in search mode", "model", model, "err", err)
		return info, true, nil
	default:
		// Not known to be down: let the chat call try and tell.
		s.log.Warn("cannot describe the chat model", "model", model, "err", err)
		return info, false, nil
	}
}

// options are the generation options of every chat call. NumCtx is the
// same for the answer and the condensing call, since Ollama reloads the
// model when it changes.
func (s *Service) options(info ollama.ModelInfo, numPredict int) ollama.ChatOptions {
	n := s.cfg.NumCtx
	if n <= 0 {
		n = (s.cfg.ContextBudget + promptReserve + s.cfg.MaxAnswerTokens + 1023) / 1024 * 1024
	}
	if info.ContextLength > 0 {
		n = min(n, info.ContextLength)
	}
	temp := s.cfg.Temperature
	return ollama.ChatOptions{Temperature: &temp, NumCtx: n, NumPredict: numPredict}
}

// condense rewrites a follow-up into a standalone question with the chat
// model. When that fails or the reply is no question, it returns the
// question unchanged: the answer is then only less well retrieved. It
// fails only when ctx is done.
func (s *Service) condense(ctx context.Context, model string, history []Turn, question, language string, info ollama.ModelInfo) (string, error) {
	turns := history[max(0, len(history)-condenseTurns):]
	clipped := make([]Turn, len(turns))
	for i, t := range turns {
		// The turns may quote documents: sanitised like them.
		clipped[i] = Turn{Role: t.Role, Content: sanitise(clip(strings.TrimSpace(t.Content), condenseTurnRunes))}
	}
	prompt, err := s.prompts.Render(prompts.Condense, map[string]any{"history": clipped, "question": sanitise(question), "language": language})
	if err != nil {
		s.log.Error("cannot render the condense prompt: using the question as asked", "err", err)
		return question, nil
	}
	var b strings.Builder
	_, err = s.gen.ChatStream(ctx, model, []ollama.Message{{Role: "user", Content: prompt}},
		s.options(info, condenseTokens), func(tok string) error {
			b.WriteString(tok)
			return nil
		})
	if ctx.Err() != nil {
		return "", fmt.Errorf("answer: condense: %w", ctx.Err())
	}
	if err != nil {
		s.log.Warn("cannot condense the follow-up: using the question as asked", "model", model, "err", err)
		return question, nil
	}
	standalone := cleanStandalone(b.String())
	if standalone == "" {
		s.log.Debug("condensing gave no question: using the question as asked")
		return question, nil
	}
	return standalone, nil
}

// clip returns s cut to at most n runes, marked with "…" when cut.
func clip(s string, n int) string {
	if len([]rune(s)) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// generate streams the model's answer to the question over the sources,
// fills d with the text, its citations and the generation's figures, and
// degrades to search mode when the model turns out unusable before its
// first token.
func (s *Service) generate(ctx context.Context, d *Done, info ollama.ModelInfo, question string,
	sources []Source, texts []string, start time.Time, emit func(Event) error) error {
	d.Mode = ModeAnswer // in every outcome but one: the model unusable before its first token (search mode)
	msgs, err := buildMessages(s.prompts, d.Language, question, sources, texts)
	if err != nil {
		_ = emit(Event{Type: EventError, Error: errorMessage})
		return fmt.Errorf("answer: %w", err)
	}
	var (
		text    strings.Builder
		tokens  int
		emitErr error
	)
	stats, err := s.gen.ChatStream(ctx, d.ChatModel, msgs, s.options(info, s.cfg.MaxAnswerTokens), func(tok string) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if tokens == 0 {
			d.Timings.FirstToken = time.Since(start)
		}
		tokens++
		text.WriteString(tok)
		if err := emit(Event{Type: EventToken, Token: tok}); err != nil {
			emitErr = err
			return err
		}
		return nil
	})
	switch {
	case err == nil && ctx.Err() != nil:
		// The ollama api client ends a stream without an error when its
		// context is cancelled mid-read.
		err = ctx.Err()
	case err == nil && stats == (ollama.ChatStats{}):
		// ... and when the connection drops: only the missing final
		// frame tells.
		err = errIncomplete
	}
	d.Answer = text.String()
	d.PromptTokens = orElse(stats.PromptTokens, func() int {
		return chunk.CountTokens(msgs[0].Content) + chunk.CountTokens(msgs[1].Content)
	})
	d.GeneratedTokens = orElse(stats.GeneratedTokens, func() int { return tokens })
	switch {
	case err == nil:
	case ctx.Err() != nil:
		if !errors.Is(err, ctx.Err()) {
			err = errors.Join(ctx.Err(), err)
		}
		return fmt.Errorf("answer: generation stopped: %w", err)
	case emitErr != nil:
		return fmt.Errorf("answer: send token: %w", emitErr)
	case degraded(err) && tokens == 0:
		s.probeFor(d.ChatModel).set(ollama.ModelInfo{}, err)
		s.log.Warn("chat model unusable: answering in search mode", "model", d.ChatModel, "err", err)
		d.Mode, d.ChatDigest, d.PromptTokens, d.GeneratedTokens = ModeSearch, "", 0, 0
		return nil
	default:
		if degraded(err) { // the server died mid-stream: the next answers go straight to search mode
			s.probeFor(d.ChatModel).set(ollama.ModelInfo{}, err)
		}
		if eerr := emit(Event{Type: EventError, Error: errorMessage}); eerr != nil {
			err = errors.Join(err, eerr)
		}
		return fmt.Errorf("answer: generate after %d tokens: %w", tokens, err)
	}
	d.Citations, d.CitedChunkIDs = citations(d.Answer, sources)
	return nil
}

// orElse returns v, or fallback() when v is 0.
func orElse(v int, fallback func() int) int {
	if v != 0 {
		return v
	}
	return fallback()
}
