package server_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/civitas-eu/civitas/internal/auth"
)

// GET /metrics is not on the public listener; it is on the operator's.
func TestMetricsNotOnPublicListener(t *testing.T) {
	b := setup(t, setupOpts{answerer: &scriptedAnswerer{AnswerFunc: citingAnswer}})
	for _, user := range []string{"", "a.meier"} {
		if resp, _ := request(t, "GET", b.url+"/metrics", user, []string{auth.GroupAdmin}, nil, nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("public GET /metrics as %q: %d, want 404", user, resp.StatusCode)
		}
	}
	b.ask(t, "a.meier", nil, map[string]any{"question": "Was kostet der Ausweis?"})
	resp, body := request(t, "GET", b.metricsURL+"/metrics", "", nil, nil, nil)
	for _, want := range []string{
		`civitas_http_requests_total{method="GET",route="unmatched",status="Not Found"} 2`,
		`civitas_http_requests_total{method="POST",route="POST /api/chat",status="OK"} 1`,
		`civitas_answers_total{mode="answer"} 1`, "civitas_answers_running 0", "civitas_answers_queued 0",
		"civitas_generation_duration_seconds_bucket", "go_goroutines",
	} {
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), want) {
			t.Errorf("operator /metrics (%d) lacks %s", resp.StatusCode, want)
		}
	}
}

// The public /readyz says ready or not and nothing else; the mode is for
// signed-in users (the pages' banners), the details (models, versions,
// endpoints) for admins and the operator listener.
func TestReadyzPublicIsMinimal(t *testing.T) {
	b := setup(t, setupOpts{})
	resp, body := request(t, "GET", b.url+"/readyz", "", nil, nil, nil)
	if resp.StatusCode != http.StatusOK || strings.Join(strings.Fields(string(body)), "") != `{"status":"ready"}` {
		t.Errorf("public /readyz: %d %s, want only the status", resp.StatusCode, body)
	}
	if strings.Contains(string(body), b.chatModel) {
		t.Error("public /readyz names the chat model")
	}

	resp, _ = request(t, "GET", b.url+"/api/status", "", nil, nil, nil)
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("/api/status without a caller: %d", resp.StatusCode)
	}
	var st map[string]string
	resp, body = request(t, "GET", b.url+"/api/status", "a.meier", nil, nil, nil)
	if err := json.Unmarshal(body, &st); err != nil || resp.StatusCode != http.StatusOK || st["status"] != "ready" || st["mode"] != "full" || len(st) != 2 {
		t.Errorf("/api/status: %d %s, want status and mode", resp.StatusCode, body)
	}

	if resp, _ = request(t, "GET", b.url+"/api/admin/readiness", "a.meier", nil, nil, nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("detailed readiness for a non-admin: %d, want 403", resp.StatusCode)
	}
	for what, u := range map[string]string{"admin": b.url + "/api/admin/readiness", "operator listener": b.metricsURL + "/readyz"} {
		resp, body = request(t, "GET", u, "root", []string{auth.GroupAdmin}, nil, nil)
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), b.chatModel) || !strings.Contains(string(body), `"mode": "full"`) {
			t.Errorf("detailed readiness (%s): %d %s", what, resp.StatusCode, body)
		}
	}
}
