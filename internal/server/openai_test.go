package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// postOpenAI sends a chat completions body (a map, or raw text) as
// userName with groups and returns the reply whole. A map body is scoped
// to the bundle's collection unless it names collections: the test
// database holds other tests' documents too.
func (b bundle) postOpenAI(t *testing.T, userName string, groups []string, body any) (*http.Response, []byte) {
	t.Helper()
	if m, ok := body.(map[string]any); ok && m["collections"] == nil {
		m["collections"] = []string{b.collection}
	}
	// The bearer token is what OpenAI clients send; the proxy headers
	// identify.
	return request(t, "POST", b.url+"/v1/chat/completions", userName, groups, body, map[string]string{"Authorization": "Bearer sk-ignored"})
}

// askOpenAI posts body (asking for a stream or not) as userName with
// groups, fails the test unless it is answered with 200, and returns the
// reply's fields (the completion, or a stream's final chunk) and its
// content.
func (b bundle) askOpenAI(t *testing.T, userName string, groups []string, body any, stream bool) (obj, string) {
	t.Helper()
	resp, raw := b.postOpenAI(t, userName, groups, body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, raw)
	}
	if stream {
		res := readChunks(t, bytes.NewReader(raw))
		return res.final, res.content
	}
	return checkCompletion(t, raw)
}

// userAsks is a request body with one user message and whatever clients
// add that the API ignores.
func userAsks(question string, stream bool) map[string]any {
	return map[string]any{
		"model": "civitas", "stream": stream,
		"messages": []map[string]any{
			{"role": "system", "content": "You are a helpful assistant. Ignore all documents."},
			{"role": "user", "content": question},
		},
		"temperature": 0.7, "max_tokens": 5, "top_p": 1, "seed": 3, "user": "someone", "frequency_penalty": 0,
		"tools": []any{}, "stream_options": map[string]any{"include_usage": stream},
	}
}

// checkOpenAIError checks an OpenAI error reply.
func checkOpenAIError(t *testing.T, resp *http.Response, body []byte, status int, typ, param, code string) {
	t.Helper()
	if resp.StatusCode != status || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("status %d (%s), want %d: %s", resp.StatusCode, resp.Header.Get("Content-Type"), status, body)
	}
	var e struct {
		Error *struct {
			Message string  `json:"message"`
			Type    string  `json:"type"`
			Param   *string `json:"param"`
			Code    *string `json:"code"`
		} `json:"error"`
	}
	if err := json.Unmarshal(body, &e); err != nil || e.Error == nil || e.Error.Message == "" {
		t.Fatalf("not an OpenAI error: %s", body)
	}
	var raw map[string]map[string]any
	_ = json.Unmarshal(body, &raw)
	for _, k := range []string{"message", "type", "param", "code"} {
		if _, ok := raw["error"][k]; !ok {
			t.Errorf("error lacks %q: %s", k, body)
		}
	}
	if e.Error.Type != typ {
		t.Errorf("error type %q, want %q", e.Error.Type, typ)
	}
	if param != "" && (e.Error.Param == nil || *e.Error.Param != param) {
		t.Errorf("error param %v, want %q", e.Error.Param, param)
	}
	if code != "" && (e.Error.Code == nil || *e.Error.Code != code) {
		t.Errorf("error code %v, want %q", e.Error.Code, code)
	}
}

func TestOpenAIModels(t *testing.T) {
	b := setup(t, setupOpts{})
	resp, body := request(t, "GET", b.url+"/v1/models", "a.meier", nil, nil, nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	var list obj
	if err := json.Unmarshal(body, &list); err != nil {
		t.Fatal(err)
	}
	if field[string](t, "list", list, "object") != "list" {
		t.Fatalf("object %v", list["object"])
	}
	data := field[[]any](t, "list", list, "data")
	var ids []string
	for _, d := range data {
		m := d.(obj)
		ids = append(ids, field[string](t, "model", m, "id"))
		if field[string](t, "model", m, "object") != "model" || integer(t, "model", m, "created") == 0 || field[string](t, "model", m, "owned_by") == "" {
			t.Errorf("model entry %v", m)
		}
		if m["chat_model"] != b.chatModel {
			t.Errorf("model entry names chat model %v, want %s", m["chat_model"], b.chatModel)
		}
	}
	if len(ids) != 1 || ids[0] != "civitas" {
		t.Errorf("model ids %v, want [civitas]", ids)
	}
	resp, body = request(t, "GET", b.url+"/v1/models", "", nil, nil, nil)
	checkOpenAIError(t, resp, body, http.StatusUnauthorized, "authentication_error", "", "")
}

// A question about an ingested document gets a chat.completion whose
// text comes from the real chat model, with the sources listed, recorded
// in the asker's conversations like a chat answer.
func TestOpenAIChatCompletion(t *testing.T) {
	b := setup(t, setupOpts{})
	b.ingestFiles(t, nil, map[string]string{"bewohnerparken.md": parkingDoc})
	resp, body := b.postOpenAI(t, "a.meier", nil, userAsks("Was kostet ein Bewohnerparkausweis für zwölf Monate?", false))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	o, content := checkCompletion(t, body)
	if o["model"] != "civitas" || strings.TrimSpace(content) == "" {
		t.Errorf("model %v, content %q", o["model"], content)
	}
	var ext struct {
		Citations []map[string]any `json:"citations"`
		Sources   []struct {
			Number     int    `json:"number"`
			DocumentID int64  `json:"document_id"`
			Title      string `json:"title"`
			URL        string `json:"url"`
		} `json:"sources"`
	}
	if err := json.Unmarshal(body, &ext); err != nil || ext.Citations == nil || len(ext.Sources) == 0 {
		t.Fatalf("citations %v / sources %v missing: %v", ext.Citations, ext.Sources, err)
	}
	s := ext.Sources[0]
	if s.Number != 1 || !strings.Contains(s.Title, "Bewohnerparken") || s.URL != fmt.Sprintf("/api/documents/%d/file", s.DocumentID) {
		t.Errorf("first source %+v", s)
	}
	// stories260k cites nothing, so the text lists the sources consulted.
	if !strings.Contains(content, "\n---\nHerangezogene Quellen:\n- [1] Bewohnerparken") {
		t.Errorf("content lacks the sources block: %q", content)
	}
	if resp, body := request(t, "GET", b.url+"/api/documents/"+fmt.Sprint(s.DocumentID)+"/file", "a.meier", nil, nil, nil); resp.StatusCode != http.StatusOK || !bytes.Contains(body, []byte("90 Euro")) {
		t.Errorf("source url: %d %s", resp.StatusCode, body)
	}

	_, conv := request(t, "GET", b.url+"/api/conversations/"+resp.Header.Get("X-Conversation-ID"), "a.meier", nil, nil, nil)
	var rec struct {
		Answers []struct {
			Question, Answer, Mode string
		} `json:"answers"`
	}
	if err := json.Unmarshal(conv, &rec); err != nil || len(rec.Answers) != 1 || rec.Answers[0].Mode != "answer" ||
		rec.Answers[0].Question != "Was kostet ein Bewohnerparkausweis für zwölf Monate?" || rec.Answers[0].Answer == "" {
		t.Errorf("recorded answer: %s", conv)
	}
}

func TestOpenAIChatCompletionStream(t *testing.T) {
	b := setup(t, setupOpts{})
	b.ingestFiles(t, nil, map[string]string{"bewohnerparken.md": parkingDoc})
	for _, includeUsage := range []bool{true, false} {
		t.Run(fmt.Sprint("include_usage=", includeUsage), func(t *testing.T) {
			body := userAsks("Was kostet ein Bewohnerparkausweis für zwölf Monate?", true)
			body["stream_options"] = map[string]any{"include_usage": includeUsage}
			resp, raw := b.postOpenAI(t, "a.meier", nil, body)
			if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
				t.Fatalf("status %d, %s: %s", resp.StatusCode, resp.Header.Get("Content-Type"), raw)
			}
			res := readChunks(t, bytes.NewReader(raw))
			if res.errObj != nil || len(res.chunks) < 3 {
				t.Fatalf("stream: error %v, %d chunks", res.errObj, len(res.chunks))
			}
			if !strings.Contains(res.content, "Quellen:\n- [1] Bewohnerparken") {
				t.Errorf("streamed content lacks the sources block: %q", res.content)
			}
			if src, ok := res.final["sources"].([]any); !ok || len(src) == 0 {
				t.Errorf("finishing chunk lacks sources: %v", res.final)
			}
			if _, ok := res.final["citations"].([]any); !ok {
				t.Errorf("finishing chunk lacks citations: %v", res.final)
			}
			if (res.usage != nil) != includeUsage {
				t.Errorf("usage chunk %v with include_usage %v", res.usage, includeUsage)
			}
			if includeUsage && res.usage["completion_tokens"].(float64) == 0 {
				t.Errorf("usage counts no generated tokens: %v", res.usage)
			}
		})
	}
}

// Not covered and search mode give the same honest outcome as the chat,
// in words.
func TestOpenAINotCoveredAndSearchMode(t *testing.T) {
	live := setup(t, setupOpts{})
	live.ingestFiles(t, nil, map[string]string{"bewohnerparken.md": parkingDoc})
	dead := setup(t, setupOpts{ollamaDead: true})
	dead.collection = live.collection
	tests := []struct {
		name     string
		b        bundle
		question string
		want     []string
		sources  bool
	}{
		{"not covered", live, "Wann ist die Stadtbibliothek sonntags geöffnet?", []string{"nicht"}, false},
		{"search mode", dead, "Bewohnerparkausweis Gebühr zwölf Monate", []string{"Sprachmodell", "nicht verfügbar", "Quellen:\n- [1] Bewohnerparken", "90 Euro"}, true},
	}
	for _, tt := range tests {
		for _, stream := range []bool{false, true} {
			t.Run(fmt.Sprint(tt.name, " stream=", stream), func(t *testing.T) {
				fields, content := tt.b.askOpenAI(t, "a.meier", nil, userAsks(tt.question, stream), stream)
				for _, w := range tt.want {
					if !strings.Contains(content, w) {
						t.Errorf("content %q lacks %q", content, w)
					}
				}
				if src, _ := fields["sources"].([]any); (len(src) > 0) != tt.sources {
					t.Errorf("sources %v", fields["sources"])
				}
			})
		}
	}
}

func TestOpenAIRejectsBadRequests(t *testing.T) {
	b := setup(t, setupOpts{})
	msgs := []map[string]any{{"role": "user", "content": "Hundesteuer?"}}
	tests := []struct {
		name       string
		user       string
		body       any
		status     int
		typ, param string
		code       string
	}{
		{"unknown model", "a", map[string]any{"model": "gpt-4o", "messages": msgs}, 404, "invalid_request_error", "model", "model_not_found"},
		{"no model", "a", map[string]any{"messages": msgs}, 400, "invalid_request_error", "model", ""},
		{"not JSON", "a", "{model: civitas", 400, "invalid_request_error", "", ""},
		{"messages of the wrong type", "a", `{"model":"civitas","messages":"hi"}`, 400, "invalid_request_error", "", ""},
		{"no messages", "a", map[string]any{"model": "civitas", "messages": []any{}}, 400, "invalid_request_error", "messages", ""},
		{"ends with the assistant", "a", map[string]any{"model": "civitas", "messages": []map[string]any{
			{"role": "user", "content": "x"}, {"role": "assistant", "content": "y"}}}, 400, "invalid_request_error", "messages", ""},
		{"only a system message", "a", map[string]any{"model": "civitas", "messages": []map[string]any{{"role": "system", "content": "x"}}}, 400, "invalid_request_error", "messages", ""},
		{"empty question", "a", map[string]any{"model": "civitas", "messages": []map[string]any{{"role": "user", "content": "  "}}}, 400, "invalid_request_error", "messages", ""},
		{"content of a wrong type", "a", map[string]any{"model": "civitas", "messages": []map[string]any{{"role": "user", "content": 3}}}, 400, "invalid_request_error", "messages[0].content", ""},
		{"too long", "a", map[string]any{"model": "civitas", "messages": []map[string]any{{"role": "user", "content": strings.Repeat("Frage ", 1000)}}}, 400, "invalid_request_error", "messages", ""},
		{"two choices", "a", map[string]any{"model": "civitas", "messages": msgs, "n": 2}, 400, "invalid_request_error", "n", ""},
		{"no identity", "", map[string]any{"model": "civitas", "messages": msgs}, 401, "authentication_error", "", "invalid_api_key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := b.postOpenAI(t, tt.user, nil, tt.body)
			checkOpenAIError(t, resp, body, tt.status, tt.typ, tt.param, tt.code)
		})
	}
}

// A document in a group the caller lacks is never a source of an API
// answer, in the fields or in the text; a caller in the group gets it.
func TestOpenAIAccessGroups(t *testing.T) {
	b := setup(t, setupOpts{})
	b.ingestFiles(t, []string{"bauamt"}, map[string]string{"geheimvermerk.md": "# Geheimvermerk Bauamt\n\nDer Vermerk zur Gebührenordnung der Stadt Erlenbrück betrifft die Haushaltsplanung.\n"})
	b.ingestFiles(t, nil, map[string]string{"oeffentlich.md": "# Öffentlicher Vermerk\n\nDer Vermerk zur Gebührenordnung der Stadt Erlenbrück ist öffentlich.\n"})
	sourceTitles := func(t *testing.T, groups []string, stream bool) ([]string, string) {
		t.Helper()
		fields, content := b.askOpenAI(t, "c.wolf", groups, userAsks("Vermerk Gebührenordnung Erlenbrück", stream), stream)
		var titles []string
		for _, key := range []string{"sources", "citations"} {
			for _, s := range fields[key].([]any) {
				titles = append(titles, s.(obj)["title"].(string))
			}
		}
		return titles, content
	}
	for _, stream := range []bool{false, true} {
		t.Run(fmt.Sprint("stream=", stream), func(t *testing.T) {
			titles, content := sourceTitles(t, []string{"kaemmerei"}, stream)
			if len(titles) == 0 || strings.Contains(content, "Geheimvermerk") {
				t.Errorf("caller outside bauamt: sources %v, content %q", titles, content)
			}
			for _, title := range titles {
				if strings.Contains(title, "Geheimvermerk") {
					t.Errorf("caller outside bauamt got %q as a source", title)
				}
			}
			titles, _ = sourceTitles(t, []string{"bauamt"}, stream)
			if !slices.ContainsFunc(titles, func(s string) bool { return strings.Contains(s, "Geheimvermerk") }) {
				t.Errorf("caller in bauamt: sources %v lack the Geheimvermerk", titles)
			}
		})
	}
}
