package server_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/civitas-eu/civitas/internal/auth"
	"github.com/civitas-eu/civitas/internal/dbtest"
	"github.com/civitas-eu/civitas/internal/jobs"
	"github.com/civitas-eu/civitas/internal/modeladmin"
	"github.com/civitas-eu/civitas/internal/ollama/ollamatest"
	"github.com/civitas-eu/civitas/internal/server"
	"github.com/civitas-eu/civitas/internal/store"
)

// TestBrowserGoldenQuestionFromHelpfulAnswer: on the documents page, a
// knowledge manager (of the group this city configured) sees an answer a
// user rated helpful and keeps it as a golden question with one click; it
// moves from the candidates to the kept questions. axe-core checks the
// page with both lists filled.
func TestBrowserGoldenQuestionFromHelpfulAnswer(t *testing.T) {
	ctx := browser(t)
	dir := artifacts(t)
	lib := setupLibrary(t, 0, 0, auth.Config{DevUser: "kim", DevGroups: []string{wissen, "staff"}, Roles: auth.Roles{KnowledgeManager: wissen}})
	st, err := store.New(lib.pool)
	if err != nil {
		t.Fatal(err)
	}
	bg := context.Background()
	hash := sha256.Sum256([]byte(lib.collection))
	doc, _, err := st.InsertDocument(bg, store.Document{Collection: lib.collection, SourceURI: "/docs/parken.pdf", Title: "Parken im Bezirk",
		MediaType: "application/pdf", Language: "de", TSConfig: "german", ContentHash: hash[:], SizeBytes: 1},
		[]store.Chunk{{Content: "Der Bewohnerparkausweis kostet 30 Euro im Jahr.", TokenCount: 8, PageStart: intp(2), PageEnd: intp(2)}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = lib.pool.Exec(bg, "DELETE FROM collections WHERE name = $1", lib.collection) })
	question := "Was kostet der Bewohnerparkausweis? " + lib.collection
	conv, err := st.CreateConversation(bg, "alice", question)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = lib.pool.Exec(bg, "DELETE FROM conversations WHERE id = $1", conv.ID) })
	src, _ := json.Marshal([]map[string]any{{"n": 1, "chunk_id": 1, "document_id": doc.ID, "document_version": 1,
		"title": doc.Title, "source_uri": doc.SourceURI, "page_start": 2, "page_end": 2, "snippet": "Der Bewohnerparkausweis kostet 30 Euro"}})
	a, err := st.RecordAnswer(bg, store.Answer{ConversationID: conv.ID, User: "alice", Question: question,
		Answer: "30 Euro [1].", Mode: "answer", Sources: src, Citations: json.RawMessage(`[{"n":1}]`)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.SaveFeedback(bg, store.Feedback{AnswerID: a.ID, User: "alice", Rating: store.RatingUp}); err != nil {
		t.Fatal(err)
	}

	openPage(t, ctx, lib.url+"/documents")
	candidate := fmt.Sprintf(`document.querySelector('#golden-candidates-body tr[data-answer="%d"]')`, a.ID)
	waitFor(t, ctx, "the helpful answer among the candidates", candidate, 10*time.Second)
	if got := eval[string](t, ctx, candidate+`.innerText`); !strings.Contains(got, "Parken im Bezirk") || !strings.Contains(got, "2") {
		t.Errorf("candidate row %q: want the source title and page", got)
	}
	step(t, ctx, "keep it as a golden question", chromedp.Evaluate[chromedp.Void](candidate+`.querySelector('button').click()`))
	kept := `[...document.querySelectorAll('#golden-body tr')].find(r => r.textContent.includes(` + jsString(question) + `))`
	waitFor(t, ctx, "the kept question", kept+` && !(`+candidate+`)`, 10*time.Second)
	if got := eval[string](t, ctx, `document.activeElement.id`); got != "golden-list-heading" {
		t.Errorf("focus on %q after promoting, want the kept questions' heading", got)
	}
	waitFor(t, ctx, "the announcement", `document.getElementById('golden-status').textContent.includes('Kept as a golden question')`, 5*time.Second)
	checkAccessibility(t, ctx, dir, "documents-golden")
	screenshot(t, ctx, dir, "documents-golden.png")

	gs, err := st.GoldenQuestions(bg, lib.collection)
	if err != nil || len(gs) != 1 || gs[0].Question != question || gs[0].Origin != store.GoldenAnswer || len(gs[0].Pages) != 1 || gs[0].Pages[0] != 2 {
		t.Errorf("golden questions of %s: %+v (%v)", lib.collection, gs, err)
	}
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func intp(i int) *int { return &i }

// TestBrowserAdminGoldenComparison: the admin page shows a re-embed that
// the golden questions held, with hit@5 and MRR of both models side by
// side, and its confirmation queues the switch (audited); the chat-model
// check form reports the counts.
func TestBrowserAdminGoldenComparison(t *testing.T) {
	ctx := browser(t)
	dir := artifacts(t)
	bg := context.Background()
	dbtest.LockActiveModels(t)
	pool := dbtest.Migrated(t)
	st, err := store.New(pool)
	if err != nil {
		t.Fatal(err)
	}
	llm := ollamatest.Client(t)
	embed := ollamatest.Model(t, llm, ollamatest.RandomFile)
	chat := ollamatest.Model(t, llm, ollamatest.StoriesFile)
	log := slog.New(slog.DiscardHandler)
	q, err := jobs.New(pool, log, jobs.Config{}) // no worker: the confirmed job is only queued
	if err != nil {
		t.Fatal(err)
	}
	active := modeladmin.NewActive(st, time.Second, log)
	svc := modeladmin.New(modeladmin.Deps{Store: st, Ollama: llm, Active: active, Queue: q}, modeladmin.Config{}, log)
	if err := svc.Seed(bg, chat, embed); err != nil {
		t.Fatal(err)
	}
	if err := active.Refresh(bg); err != nil {
		t.Fatal(err)
	}
	_, current := active.ActiveModels()
	// A finished re-embed to stories260k that the golden questions held.
	result, _ := json.Marshal(modeladmin.ReembedResult{Model: chat, Total: 12, AwaitingConfirmation: true,
		Golden: &modeladmin.GoldenComparison{Old: modeladmin.GoldenScore{Model: current, N: 5, Hit5: 1, MRR: 0.9},
			New: modeladmin.GoldenScore{Model: chat, N: 5, Hit5: 0.4, MRR: 0.25}, Worse: true}})
	var jobID int64
	if err := pool.QueryRow(bg, `INSERT INTO jobs (kind, args, status, result, progress_done, progress_total, finished_at)
		VALUES ($1, $2, 'done', $3, 12, 12, now()) RETURNING id`, modeladmin.JobReembed, fmt.Sprintf(`{"model":%q}`, chat), string(result)).Scan(&jobID); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = pool.Exec(bg, "DELETE FROM jobs WHERE kind = $1 AND id >= $2", modeladmin.JobReembed, jobID)
	})
	checked := ""
	srv := server.New(server.Config{ChatModel: chat, EmbedModel: embed, Auth: auth.Config{DevUser: "root", DevGroups: []string{auth.GroupAdmin}}}, log,
		server.Deps{DB: pool, Models: llm, Store: st, Active: active, ModelAdmin: svc,
			ChatCheck: func(_ context.Context, model string) (modeladmin.ChatCheckReport, error) {
				checked = model
				return modeladmin.ChatCheckReport{Model: model, Checks: []modeladmin.ChatCheckResult{
					{Check: modeladmin.CheckCitationsExist, Passed: 1, Failed: 4}, {Check: modeladmin.CheckRefusesNoSources, Passed: 5}}}, nil
			}})
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)

	openPage(t, ctx, ts.URL+"/admin")
	waitFor(t, ctx, "the comparison", `!document.getElementById('reembed-golden').hidden && document.querySelectorAll('#golden-compare-body tr').length === 2`, 20*time.Second)
	table := text(t, ctx, "#golden-compare")
	for _, want := range []string{current + " (current)", chat + " (new)", "1.00", "0.90", "0.40", "0.25"} {
		if !strings.Contains(table, want) {
			t.Errorf("comparison %q lacks %q", table, want)
		}
	}
	if held := text(t, ctx, "#golden-held"); !strings.Contains(held, "waits for your confirmation") {
		t.Errorf("held banner %q", held)
	}
	if s := text(t, ctx, "#reembed-text"); strings.Contains(s, "is the embedding model") {
		t.Errorf("re-embed text %q claims the switch was made", s)
	}
	checkAccessibility(t, ctx, dir, "admin-golden")
	screenshot(t, ctx, dir, "admin-golden.png")

	step(t, ctx, "confirm the switch", chromedp.Click(chromedp.CSS("#golden-confirm")))
	confirmDialog(t, ctx, chat)
	waitFor(t, ctx, "the confirmed job", `document.getElementById('golden-held').textContent.includes('confirmed') || document.getElementById('reembed').dataset.status === 'queued'`, 20*time.Second)
	var force bool
	if err := pool.QueryRow(bg, `SELECT (args->>'force')::bool FROM jobs WHERE kind = $1 AND id > $2 ORDER BY id DESC LIMIT 1`,
		modeladmin.JobReembed, jobID).Scan(&force); err != nil || !force {
		t.Errorf("no forced re-embed queued (%v)", err)
	}
	var audited int
	if err := pool.QueryRow(bg, `SELECT count(*) FROM audit_log WHERE action = $1 AND target = $2 AND at > now() - interval '5 minutes'`,
		modeladmin.ActionEmbedSwitchForced, "model:"+chat).Scan(&audited); err != nil || audited == 0 {
		t.Errorf("the confirmation is not in the audit trail (%v)", err)
	}

	step(t, ctx, "check a chat model",
		chromedp.SendKeys(chromedp.CSS("#chat-check-name"), chat),
		chromedp.Click(chromedp.CSS("#chat-check-form button[type=submit]")))
	waitFor(t, ctx, "the check results", `!document.getElementById('chat-check-wrap').hidden`, 20*time.Second)
	if got := text(t, ctx, "#chat-check-body"); checked != chat || !strings.Contains(got, "Citations name given sources") || !strings.Contains(got, "4") {
		t.Errorf("check of %q shown as %q", checked, got)
	}
}
