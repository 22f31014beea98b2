package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
)

// The official OpenAI Go library talks to the API as to OpenAI: it lists
// the models, gets a completion and a stream (read with its accumulator),
// sees our citations as extra fields, and reads our errors as API errors.
func TestOpenAIOfficialClient(t *testing.T) {
	b := setup(t, setupOpts{answerer: &scriptedAnswerer{AnswerFunc: citingAnswer}})
	client := openai.NewClient(
		option.WithBaseURL(b.url+"/v1/"),
		option.WithAPIKey("sk-ignored"),
		option.WithMaxRetries(0),
		option.WithHeader("X-Forwarded-User", "a.meier"),
		option.WithHeader("X-Forwarded-Groups", "bauamt"),
	)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	page, err := client.Models.List(ctx)
	if err != nil {
		t.Fatalf("list models: %v", err)
	}
	if len(page.Data) != 1 || page.Data[0].ID != "civitas" || page.Data[0].Object != "model" {
		t.Fatalf("models %+v", page.Data)
	}

	params := openai.ChatCompletionNewParams{
		Model: page.Data[0].ID,
		Messages: []openai.ChatCompletionMessageParamUnion{
			openai.SystemMessage("You are helpful."),
			openai.UserMessage("Was kostet die Hundesteuer?"),
			openai.AssistantMessage("Sie kostet 120 Euro."),
			openai.UserMessage("Und der Bewohnerparkausweis?"),
		},
		Temperature: openai.Float(0.2),
	}
	const want = "Der Ausweis kostet 90 Euro [1].\n\n---\nQuellen:\n- [1] Bewohnerparken, S. 3–4"
	c, err := client.Chat.Completions.New(ctx, params)
	if err != nil {
		t.Fatalf("completion: %v", err)
	}
	if len(c.Choices) != 1 || c.Choices[0].Message.Content != want || c.Choices[0].FinishReason != "stop" || c.Usage.TotalTokens != 129 {
		t.Errorf("completion %+v", c)
	}
	var cited []citationJSON
	if f, ok := c.JSON.ExtraFields["citations"]; !ok || json.Unmarshal([]byte(f.Raw()), &cited) != nil ||
		len(cited) != 1 || cited[0].URL != "/api/documents/42/file#page=3" {
		t.Errorf("citations extra field: %v", c.JSON.ExtraFields)
	}

	params.StreamOptions = openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)}
	stream := client.Chat.Completions.NewStreaming(ctx, params)
	var acc openai.ChatCompletionAccumulator
	var sawCitations bool
	for stream.Next() {
		chunk := stream.Current()
		acc.AddChunk(chunk)
		if _, ok := chunk.JSON.ExtraFields["citations"]; ok {
			sawCitations = true
		}
	}
	if err := stream.Err(); err != nil {
		t.Fatalf("stream: %v", err)
	}
	if len(acc.Choices) != 1 || acc.Choices[0].Message.Content != want || acc.Usage.TotalTokens != 129 || !sawCitations {
		t.Errorf("accumulated stream %+v, citations seen %v", acc.ChatCompletion, sawCitations)
	}

	params.Model = "gpt-4o"
	_, err = client.Chat.Completions.New(ctx, params)
	var apiErr *openai.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusNotFound || apiErr.Code != "model_not_found" ||
		apiErr.Param != "model" || !strings.Contains(apiErr.Message, "civitas") {
		t.Errorf("unknown model: %v", err)
	}
}
