package modeladmin

import (
	"context"
	"fmt"
	"regexp"
	"strconv"

	"github.com/civitas-eu/civitas/internal/answer"
	"github.com/civitas-eu/civitas/internal/ollama"
	"github.com/civitas-eu/civitas/internal/store"
)

// Checks of a candidate chat model that do not need it to be smart, run
// on the golden questions before an admin switches to it:
//
//   - citations_exist: every citation marker ([n]) in an answer names a
//     source the answer was given, and the answer cites at least one;
//   - refuses_without_sources: a question asked where no document matches
//     gets the not-covered refusal, not an invented answer.
const (
	CheckCitationsExist   = "citations_exist"
	CheckRefusesNoSources = "refuses_without_sources"
	defaultChatChecks     = 5
)

// emptyScope is a collection name reserved for the check, which no
// collection has, so that a question asked there retrieves nothing.
const emptyScope = "civitas:golden-check:no-documents"

// markerRE finds citation markers with their numbers, as the answer
// service writes and parses them ([1], [2, 3], [1-2]).
var (
	markerRE = regexp.MustCompile(`\[\s*\d{1,6}(?:\s*[-–,;]\s*\d{1,6})*\s*\]`)
	numberRE = regexp.MustCompile(`\d+`)
)

// ChatAnswerer answers with the candidate model; *answer.Service is one.
type ChatAnswerer interface {
	Answer(ctx context.Context, req answer.Request, emit func(answer.Event) error) (answer.Done, error)
}

// ChatCheckResult counts the questions that passed and failed one check.
type ChatCheckResult struct {
	Check  string `json:"check"`
	Passed int    `json:"passed"`
	Failed int    `json:"failed"`
}

// ChatCheckReport is the outcome of CheckChat.
type ChatCheckReport struct {
	Model  string            `json:"model"`
	Checks []ChatCheckResult `json:"checks"`
}

// CandidateModels names chat as the chat model and the active embedding
// model, for an answer service that tries a candidate (answer.Models).
func (s *Service) CandidateModels(chat string) answer.Models {
	return candidate{a: s.active, chat: ollama.CanonicalName(chat)}
}

type candidate struct {
	a    *Active
	chat string
}

func (c candidate) ActiveModels() (string, string) {
	_, embed := c.a.ActiveModels()
	return c.chat, embed
}

// CheckChat runs the checks on model with a, an answer service set up
// with it (CandidateModels), over up to limit golden questions (0: 5),
// and records that it did. A model that is not installed is refused.
func (s *Service) CheckChat(ctx context.Context, model string, a ChatAnswerer, limit int) (ChatCheckReport, error) {
	model = ollama.CanonicalName(model)
	if err := checkName(model); err != nil {
		return ChatCheckReport{}, err
	}
	if _, err := s.installed(ctx, model); err != nil {
		return ChatCheckReport{}, err
	}
	if limit <= 0 {
		limit = defaultChatChecks
	}
	gs, err := s.st.GoldenQuestions(ctx, "")
	if err != nil {
		return ChatCheckReport{}, fmt.Errorf("models: %w", err)
	}
	groups, err := s.st.AllAccessGroups(ctx)
	if err != nil {
		return ChatCheckReport{}, fmt.Errorf("models: %w", err)
	}
	gs = gs[:min(limit, len(gs))]
	cite := ChatCheckResult{Check: CheckCitationsExist}
	refuse := ChatCheckResult{Check: CheckRefusesNoSources}
	for _, g := range gs {
		ok, err := citesOnlyGivenSources(ctx, a, g, groups)
		if err != nil {
			return ChatCheckReport{}, err
		}
		count(&cite, ok)
		d, err := a.Answer(ctx, answer.Request{Question: g.Question, Language: g.Language, Collections: []string{emptyScope}},
			func(answer.Event) error { return nil })
		if err != nil {
			return ChatCheckReport{}, fmt.Errorf("models: check %s: %w", model, err)
		}
		count(&refuse, d.Mode == answer.ModeNotCovered)
	}
	rep := ChatCheckReport{Model: model, Checks: []ChatCheckResult{cite, refuse}}
	details := map[string]string{"questions": strconv.Itoa(len(gs))}
	for _, c := range rep.Checks {
		details[c.Check+"_passed"] = strconv.Itoa(c.Passed)
		details[c.Check+"_failed"] = strconv.Itoa(c.Failed)
	}
	return rep, s.record(ctx, ActionChatChecked, model, details)
}

// ActionChatChecked records a run of CheckChat.
const ActionChatChecked = "admin.model.chat_checked"

func count(c *ChatCheckResult, ok bool) {
	if ok {
		c.Passed++
	} else {
		c.Failed++
	}
}

// citesOnlyGivenSources asks g in its collection and reports whether the
// answer cites at least one source and only sources it was given.
func citesOnlyGivenSources(ctx context.Context, a ChatAnswerer, g store.GoldenQuestion, groups []string) (bool, error) {
	sources := 0
	d, err := a.Answer(ctx, answer.Request{Question: g.Question, Language: g.Language, Collections: []string{g.Collection}, Groups: groups},
		func(e answer.Event) error {
			if e.Type == answer.EventSources {
				sources = len(e.Sources)
			}
			return nil
		})
	if err != nil {
		return false, fmt.Errorf("models: golden question %d: %w", g.ID, err)
	}
	if d.Mode != answer.ModeAnswer {
		return false, nil
	}
	markers := markerRE.FindAllString(d.Answer, -1)
	if len(markers) == 0 {
		return false, nil
	}
	for _, m := range markers {
		for _, num := range numberRE.FindAllString(m, -1) {
			if n, _ := strconv.Atoi(num); n < 1 || n > sources {
				return false, nil
			}
		}
	}
	return true, nil
}
