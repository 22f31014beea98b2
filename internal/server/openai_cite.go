package server

import (
	"fmt"
	"path"
	"strconv"
	"strings"

	"github.com/civitas-eu/civitas/internal/answer"
)

// The wire types of chat completions. Two fields are our extension, on
// the chat.completion object and on the last chat.completion.chunk of a
// stream (the one with finish_reason "stop"):
//
//   - "citations": the sources the answer cites with [n] markers, in
//     order of first citation ([] when it cites none);
//   - "sources": every passage the answer was given, numbered as the
//     markers count ([] when nothing was found).
//
// Both hold openAICitation objects. Clients that know nothing of them
// ignore them and still see the same list in the message text, after a
// "---" line (sourcesBlock).

type openAICompletion struct {
	ID        string           `json:"id"` // "chatcmpl-…"
	Object    string           `json:"object"`
	Created   int64            `json:"created"`
	Model     string           `json:"model"`
	Choices   []openAIChoice   `json:"choices"`
	Usage     openAIUsage      `json:"usage"`
	Citations []openAICitation `json:"citations"`
	Sources   []openAICitation `json:"sources"`
}

type openAIChoice struct {
	Index        int              `json:"index"`
	Message      openAIOutMessage `json:"message"`
	FinishReason string           `json:"finish_reason"`
	Logprobs     *struct{}        `json:"logprobs"` // always null
}

type openAIOutMessage struct {
	Role    string  `json:"role"`
	Content string  `json:"content"`
	Refusal *string `json:"refusal"` // always null
}

type openAIUsage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

// openAICitation is a source as the API shows it. URL opens the original
// file, at the page for a PDF.
type openAICitation struct {
	Number     int    `json:"number"`
	DocumentID int64  `json:"document_id"`
	Title      string `json:"title"`
	Pages      string `json:"pages,omitempty"` // "3" or "3-4"; absent for formats without pages
	URL        string `json:"url"`
	Snippet    string `json:"snippet"`
}

func usage(d answer.Done) openAIUsage {
	return openAIUsage{PromptTokens: d.PromptTokens, CompletionTokens: d.GeneratedTokens, TotalTokens: d.PromptTokens + d.GeneratedTokens}
}

func newCitation(n int, docID int64, title, uri string, start, end int, snippet string) openAICitation {
	if title == "" {
		title = path.Base(uri)
	}
	// Titles and snippets are document text: no images (openai_images.go).
	c := openAICitation{Number: n, DocumentID: docID, Title: neutraliseImages(title), Snippet: neutraliseImages(snippet),
		URL: "/api/documents/" + strconv.FormatInt(docID, 10) + "/file"}
	if start > 0 {
		c.Pages = strconv.Itoa(start)
		if end > start {
			c.Pages += "-" + strconv.Itoa(end)
		}
		c.URL += "#page=" + strconv.Itoa(start)
	}
	return c
}

// citationsOf returns the cited sources and all sources as the API shows
// them. Citations take their file name from the source they cite.
func citationsOf(d answer.Done, sources []answer.Source) (cited, consulted []openAICitation) {
	uri := map[int]string{}
	consulted = []openAICitation{}
	for _, s := range sources {
		uri[s.N] = s.SourceURI
		consulted = append(consulted, newCitation(s.N, s.DocumentID, s.Title, s.SourceURI, s.PageStart, s.PageEnd, s.Snippet))
	}
	cited = []openAICitation{}
	for _, c := range d.Citations {
		cited = append(cited, newCitation(c.N, c.DocumentID, c.Title, uri[c.N], c.PageStart, c.PageEnd, c.Snippet))
	}
	return cited, consulted
}

// wording is the few words the API adds to an answer, by language.
type wording struct {
	sources, consulted, page, searchMode string
}

var labelsByLanguage = map[string]wording{
	"en": {"Sources:", "Sources consulted:", "p.",
		"The language model is not available at the moment, so no answer was written. These passages from the documents match your question."},
	"de": {"Quellen:", "Herangezogene Quellen:", "S.",
		"Das Sprachmodell ist im Moment nicht verfügbar, daher wurde keine Antwort verfasst. Diese Stellen aus den Dokumenten passen zu Ihrer Frage."},
	"fr": {"Sources :", "Sources consultées :", "p.",
		"Le modèle de langue n'est pas disponible pour le moment ; aucune réponse n'a donc été rédigée. Ces passages des documents correspondent à votre question."},
}

func labelsFor(language string) wording {
	if l, ok := labelsByLanguage[language]; ok {
		return l
	}
	return labelsByLanguage["en"]
}

// blockRule starts the list of sources appended to an answer; a Markdown
// horizontal rule, so front ends show it apart from the answer.
const blockRule = "\n\n---\n"

// tail is what follows the model's text in the message: in search mode,
// which writes no text, a sentence saying so; then the list of sources
// the answer cites, or when it cites none the sources it was given (with
// their snippets in search mode, where they are the whole reply). A
// not-covered reply has no sources and so no tail. cited and consulted
// are citationsOf(d, sources).
func tail(d answer.Done, cited, consulted []openAICitation) string {
	l := labelsFor(d.Language)
	var b strings.Builder
	list, label, snippets := cited, l.sources, false
	switch {
	case d.Mode == answer.ModeSearch:
		b.WriteString(l.searchMode)
		list, snippets = consulted, true
	case len(cited) == 0:
		list, label = consulted, l.consulted
	}
	if len(list) == 0 {
		return b.String()
	}
	b.WriteString(blockRule + label + "\n")
	for _, c := range list {
		fmt.Fprintf(&b, "- [%d] %s", c.Number, c.Title)
		if c.Pages != "" {
			fmt.Fprintf(&b, ", %s %s", l.page, strings.Replace(c.Pages, "-", "–", 1))
		}
		if snip := strings.Join(strings.Fields(c.Snippet), " "); snippets && snip != "" {
			fmt.Fprintf(&b, ": “%s”", snip)
		}
		b.WriteString("\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

// present returns the whole message text of an answer and its citations.
func present(d answer.Done, sources []answer.Source, streamed string) (content string, cited, consulted []openAICitation) {
	text := d.Answer
	if text == "" {
		text = streamed
	}
	cited, consulted = citationsOf(d, sources)
	return neutraliseImages(text) + tail(d, cited, consulted), cited, consulted
}

// stripSourcesBlock removes the list of sources the API appended to one of
// its earlier answers, which a client sends back as history.
func stripSourcesBlock(text string) string {
	i := strings.LastIndex(text, strings.TrimLeft(blockRule, "\n"))
	if i < 0 {
		return text
	}
	rest := text[i+len(strings.TrimLeft(blockRule, "\n")):]
	for _, l := range labelsByLanguage {
		if strings.HasPrefix(rest, l.sources+"\n") || strings.HasPrefix(rest, l.consulted+"\n") {
			return strings.TrimSpace(text[:i])
		}
	}
	return text
}
