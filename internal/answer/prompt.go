package answer

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

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
// "< /source", "< source", "<system>", "<|im_start|>", "<!--", "<<SYS>>",
// "<start_of_turn>". Sanitising replaces its "<" by "&lt;", so that
// quoted text can neither close the <source> block it is in nor open a
// new one; everything else, "a < b" and "<30 kW" included, is left alone.
var tagRE = regexp.MustCompile(`(?i)<(\s*/\s*\p{L}|[\p{L}|!?<]|\s+source\b)`)

// templateRE matches the control sequences of chat templates that are
// written in square brackets rather than angle ones: Llama 2's [INST] and
// [/INST], Mistral's [SYSTEM_PROMPT], [AVAILABLE_TOOLS], [TOOL_CALLS],
// [TOOL_RESULTS] and their closing forms. A document quoting one could
// make the model read what follows as a new turn; sanitising writes the
// "[" as "&#91;". (The angle-bracket ones — <<SYS>>, <|im_start|>,
// <|eot_id|>, <start_of_turn>, <s> — are tags to tagRE.)
var templateRE = regexp.MustCompile(`(?i)\[(\s*/?\s*(?:INST|SYS|SYSTEM_PROMPT|AVAILABLE_TOOLS|TOOL_CALLS|TOOL_RESULTS|TOOL_CONTENT|THINK)\s*\])`)

// lookalikes are the angle brackets that NFKC leaves alone but a model
// may still read as "<" and ">"; sanitising writes them as the ASCII
// ones, so that tagRE sees the tag they would form.
var lookalikes = strings.NewReplacer("‹", "<", "›", ">", "〈", "<", "〉", ">", "⟨", "<", "⟩", ">",
	"˂", "<", "˃", ">", "ᐸ", "<", "ᐳ", ">", "❮", "<", "❯", ">")

// sanitise neutralises markup in text that goes into the prompt as data.
// Before matching, it folds the compatibility forms of ASCII characters
// to ASCII (fold), so that "＜/source＞" and "［INST］" are matched as
// the tags they spell, and drops invisible format characters (zero-width
// spaces and joiners, soft hyphens, bidirectional controls), which would
// otherwise split a tag ("<\u200b/source>") so that no pattern sees it
// while the model still does.
func sanitise(text string) string {
	text = strings.Map(fold, text)
	text = lookalikes.Replace(text)
	text = tagRE.ReplaceAllString(text, "&lt;$1")
	return templateRE.ReplaceAllString(text, "&#91;$1")
}

// fold returns r's Unicode NFKC form when that is one ASCII character
// (fullwidth and small forms, mathematical letters, other spaces), drops
// format characters (-1), and keeps every other rune. Whole-text NFKC
// would also turn "m²" into "m2", "…" into "..." and "ﬁ" into "fi",
// changing what the documents say; folding rune by rune to ASCII only
// reaches what could spell markup.
func fold(r rune) rune {
	switch {
	case r < utf8.RuneSelf:
		return r
	case unicode.Is(unicode.Cf, r):
		return -1
	case unicode.Is(superSub, r):
		return r // m², CO₂: the digit alone means something else
	}
	if n := norm.NFKC.String(string(r)); len(n) == 1 {
		return rune(n[0])
	}
	return r
}

// superSub are the superscript and subscript forms and modifier letters,
// which NFKC folds to plain ASCII digits and letters.
var superSub = &unicode.RangeTable{
	R16: []unicode.Range16{
		{Lo: 0x00aa, Hi: 0x00aa, Stride: 1},
		{Lo: 0x00b2, Hi: 0x00b3, Stride: 1},
		{Lo: 0x00b9, Hi: 0x00ba, Stride: 1},
		{Lo: 0x02b0, Hi: 0x02ff, Stride: 1},
		{Lo: 0x1d2c, Hi: 0x1dbf, Stride: 1},
		{Lo: 0x2070, Hi: 0x209f, Stride: 1},
		{Lo: 0x2c7c, Hi: 0x2c7d, Stride: 1},
	},
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
