package answer

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/civitas-eu/civitas/internal/ollama"
	"github.com/civitas-eu/civitas/prompts"
)

// promptSource is what the answer template sees of one source. Every
// field is sanitised.
type promptSource struct {
	N       int
	Title   string
	Section string // the heading path, "A › B"
	Pages   string // "4" or "4-5"; "" for formats without pages
	Text    string
}

// tagRE matches the start of anything a model could read as markup that
// opens or closes a block of its prompt: "<source", "</source>",
// "< /source", "< source", "<system>", "<|im_start|>", "<!--", "<<SYS>>".
// Sanitising replaces its "<" by "&lt;", so that quoted text can neither
// close the <source> block it is in nor open a new one; everything else,
// "a < b" and "<30 kW" included, is left alone.
var tagRE = regexp.MustCompile(`(?i)<(\s*/\s*\p{L}|[\p{L}|!?<]|\s+source\b)`)

// sanitise neutralises markup in text that goes into the prompt as data.
func sanitise(text string) string {
	return tagRE.ReplaceAllString(text, "&lt;$1")
}

// sanitiseAttr makes s safe inside a double-quoted attribute on one line.
func sanitiseAttr(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	s = strings.NewReplacer(`"`, "'", "<", "‹", ">", "›").Replace(s)
	return s
}

// pages formats a page range for the prompt.
func pages(start, end int) string {
	switch {
	case start <= 0:
		return ""
	case end <= start:
		return strconv.Itoa(start)
	default:
		return fmt.Sprintf("%d-%d", start, end)
	}
}

// buildMessages renders the system prompt and the user message that
// quotes the sources, numbered from 1 in order, and the question.
func buildMessages(set *prompts.Set, language, question string, sources []Source, texts []string) ([]ollama.Message, error) {
	system, err := set.Render(prompts.System, map[string]any{"language": language})
	if err != nil {
		return nil, err
	}
	ps := make([]promptSource, len(sources))
	for i, s := range sources {
		ps[i] = promptSource{
			N:       s.N,
			Title:   sanitiseAttr(s.Title),
			Section: sanitiseAttr(strings.Join(s.HeadingPath, " › ")),
			Pages:   pages(s.PageStart, s.PageEnd),
			Text:    sanitise(strings.TrimSpace(texts[i])),
		}
	}
	user, err := set.Render(prompts.Answer, map[string]any{"sources": ps, "question": sanitise(question)})
	if err != nil {
		return nil, err
	}
	return []ollama.Message{{Role: "system", Content: system}, {Role: "user", Content: user}}, nil
}

// maxStandaloneRunes bounds a condensed question: a longer reply is the
// model rambling, not a question.
const maxStandaloneRunes = 600

// cleanStandalone returns the question in a condensing model's reply: its
// first non-empty line without quotes or a "Question:" label, or "" when
// there is none or it is too long to be one.
func cleanStandalone(reply string) string {
	for line := range strings.Lines(reply) {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if label, rest, ok := strings.Cut(line, ":"); ok && len(label) < 30 && strings.Contains(strings.ToLower(label), "question") {
			line = strings.TrimSpace(rest)
		}
		line = strings.Trim(line, "\"'“”„«»` ")
		if line == "" || len([]rune(line)) > maxStandaloneRunes {
			return ""
		}
		return line
	}
	return ""
}
