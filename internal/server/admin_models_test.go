package server_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/civitas-eu/civitas/internal/answer"
	"github.com/civitas-eu/civitas/internal/auth"
	"github.com/civitas-eu/civitas/internal/dbtest"
	"github.com/civitas-eu/civitas/internal/jobs"
	"github.com/civitas-eu/civitas/internal/modeladmin"
	"github.com/civitas-eu/civitas/internal/ollama/ollamatest"
	"github.com/civitas-eu/civitas/internal/retrieve"
	"github.com/civitas-eu/civitas/internal/server"
	"github.com/civitas-eu/civitas/internal/store"
	"github.com/civitas-eu/civitas/prompts"
)

// adminBundle is an assistant whose models are resolved per request from
// the database and managed through the admin API.
type adminBundle struct {
	bundle
	svc    *modeladmin.Service
	active *modeladmin.Active
	queue  *jobs.Queue
}

func setupAdmin(t testing.TB) adminBundle {
	t.Helper()
	dbtest.LockActiveModels(t)
	ctx := context.Background()
	pool := dbtest.Migrated(t)
	st, err := store.New(pool)
	if err != nil {
		t.Fatal(err)
	}
	llm := ollamatest.Client(t)
	b := adminBundle{bundle: bundle{store: st, llm: llm, collection: newCollection()}}
	b.embedModel = ollamatest.Model(t, llm, ollamatest.RandomFile)
	b.chatModel = ollamatest.Model(t, llm, ollamatest.StoriesFile)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	b.queue, err = jobs.New(pool, log, jobs.Config{})
	if err != nil {
		t.Fatal(err)
	}
	b.active = modeladmin.NewActive(st, time.Second, log)
	b.svc = modeladmin.New(modeladmin.Deps{Store: st, Ollama: llm, Active: b.active, Queue: b.queue},
		modeladmin.Config{ImportDir: ollamatest.ModelsDir()}, log)
	if err := b.svc.Seed(ctx, b.chatModel, b.embedModel); err != nil {
		t.Fatal(err)
	}
	// The active models are shared by every test on this database: pin
	// the chat model this test starts from.
	if _, err := st.SetActiveModel(ctx, store.ModelChange{Role: store.RoleChat, To: b.chatModel, By: "test setup"}); err != nil {
		t.Fatal(err)
	}
	if err := b.active.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	set, err := prompts.Load("")
	if err != nil {
		t.Fatal(err)
	}
	r := retrieve.New(st, llm, retrieve.Config{EmbedModel: b.embedModel}, log)
	svc, err := answer.New(answer.Config{Models: b.active, MaxAnswerTokens: 16, DefaultLanguage: "de", MinSimilarity: 1.1}, r, llm, nil, set, log)
	if err != nil {
		t.Fatal(err)
	}
	srv := server.New(server.Config{Auth: orProxyHeaders(auth.Config{}), PromptVersion: set.Version()}, log,
		server.Deps{DB: pool, Models: llm, Store: st, Answerer: svc, Active: b.active, ModelAdmin: b.svc})
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	b.url = ts.URL
	return b
}

var admin = []string{auth.GroupAdmin}

// Every admin route refuses callers outside the admin group, before doing
// anything.
func TestAdminModelRoutesRefuseNonAdmins(t *testing.T) {
	b := setupAdmin(t)
	routes := []struct{ method, path string }{
		{"GET", "/api/admin/models"},
		{"POST", "/api/admin/models/pull"},
		{"POST", "/api/admin/models/import"},
		{"DELETE", "/api/admin/models/" + b.chatModel},
		{"POST", "/api/admin/models/chat"},
		{"POST", "/api/admin/models/embed"},
		{"POST", "/api/admin/models/embed/confirm"},
		{"DELETE", "/api/admin/models/" + b.embedModel + "/embeddings"},
	}
	for _, groups := range [][]string{nil, {"staff", auth.GroupKnowledgeManager, auth.GroupAuditor}} {
		for _, rt := range routes {
			resp, body := request(t, rt.method, b.url+rt.path, "m.muster", groups, map[string]string{"name": b.embedModel}, nil)
			if resp.StatusCode != http.StatusForbidden || !strings.Contains(string(body), `"forbidden"`) {
				t.Errorf("%s %s as %v = %d %s, want 403 forbidden", rt.method, rt.path, groups, resp.StatusCode, body)
			}
		}
	}
	if chat, _ := b.active.ActiveModels(); chat != b.chatModel {
		t.Errorf("a refused request changed the chat model to %s", chat)
	}
}

// The inventory lists both shared models with their details; the active
// ones cannot be removed; a model imported from a GGUF file under a name
// of its own can.
func TestAdminModelInventoryImportRemove(t *testing.T) {
	b := setupAdmin(t)
	resp, body := request(t, "GET", b.url+"/api/admin/models", "root", admin, nil, nil)
	var inv struct {
		Active struct{ Chat, Embed string }
		Models []modeladmin.Model
	}
	if err := json.Unmarshal(body, &inv); resp.StatusCode != http.StatusOK || err != nil {
		t.Fatalf("GET models = %d %s (%v)", resp.StatusCode, body, err)
	}
	seen := map[string]modeladmin.Model{}
	for _, m := range inv.Models {
		seen[m.Name] = m
	}
	if m := seen[b.embedModel]; m.EmbeddingDims != 8 || m.Digest == "" || m.Size == 0 {
		t.Errorf("%s listed as %+v, want 8 dims, digest, size", b.embedModel, m)
	}
	if m := seen[b.chatModel]; m.EmbeddingDims != 64 || !m.ActiveChat || m.ContextLength == 0 {
		t.Errorf("%s listed as %+v, want 64 dims, active chat, a context length", b.chatModel, m)
	}
	// The active embedding model is whatever the shared database says.
	if m, ok := seen[inv.Active.Embed]; !ok || !m.ActiveEmbed {
		t.Errorf("active embedding model %q listed as %+v, want it installed and flagged active", inv.Active.Embed, m)
	}

	// Removing an active model is refused (and never tried on a model
	// that is not active: the shared test models must stay installed).
	for _, name := range []string{inv.Active.Chat, inv.Active.Embed} {
		if resp, body := request(t, "DELETE", b.url+"/api/admin/models/"+name, "root", admin, nil, nil); resp.StatusCode != http.StatusBadRequest ||
			!strings.Contains(string(body), "active") {
			t.Errorf("removing active %s = %d %s, want 400 naming it active", name, resp.StatusCode, body)
		}
	}

	name := dbtest.UniqueName("civitas-test-import-")
	t.Cleanup(func() { _ = b.llm.Delete(context.Background(), name) })
	resp, body = request(t, "POST", b.url+"/api/admin/models/import", "root", admin,
		map[string]any{"name": name, "path": ollamatest.RandomFile, "parameters": map[string]any{"num_ctx": 256}}, nil)
	var imported struct{ Name, Digest string }
	if err := json.Unmarshal(body, &imported); resp.StatusCode != http.StatusCreated || err != nil || imported.Name != name || imported.Digest == "" {
		t.Fatalf("import = %d %s, want 201 with a digest", resp.StatusCode, body)
	}
	if resp, body := request(t, "POST", b.url+"/api/admin/models/import", "root", admin,
		map[string]any{"name": name + "x", "path": "../../etc/passwd"}, nil); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("import outside the folder = %d %s, want 400", resp.StatusCode, body)
	}
	if resp, body := request(t, "DELETE", b.url+"/api/admin/models/"+name, "root", admin, nil, nil); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("remove %s = %d %s, want 204", name, resp.StatusCode, body)
	}
	if _, err := b.llm.Show(context.Background(), name); err == nil {
		t.Errorf("%s still installed after removal", name)
	}
	if resp, _ := request(t, "DELETE", b.url+"/api/admin/models/"+name, "root", admin, nil, nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("removing it again = %d, want 404", resp.StatusCode)
	}
	if resp, body := request(t, "POST", b.url+"/api/admin/models/chat", "root", admin, map[string]string{"name": name}, nil); resp.StatusCode != http.StatusBadRequest ||
		!strings.Contains(string(body), "not installed") {
		t.Errorf("switching to a removed model = %d %s, want 400 not installed", resp.StatusCode, body)
	}

	// Both admin actions are in the audit trail, by the admin who did them.
	for _, action := range []string{"admin.model.installed", "admin.model.removed"} {
		resp, body := request(t, "GET", b.url+"/api/audit?action="+action+"&limit=500", "inspector", []string{"auditor"}, nil, nil)
		var page struct {
			Events []struct {
				Actor  *string `json:"actor"`
				Target string  `json:"target"`
			} `json:"events"`
		}
		if err := json.Unmarshal(body, &page); resp.StatusCode != http.StatusOK || err != nil {
			t.Fatalf("audit %s = %d %s (%v)", action, resp.StatusCode, body, err)
		}
		found := false
		for _, e := range page.Events {
			found = found || e.Target == "model:"+name && e.Actor != nil && *e.Actor == "root"
		}
		if !found {
			t.Errorf("no %s event for model:%s by root in %s", action, name, body)
		}
	}
}

// Switching the chat model while answers stream fails none of them: those
// started before finish on the old model, later ones use the new one, and
// the stored answers name both.
func TestAdminChatSwitchMidTraffic(t *testing.T) {
	b := setupAdmin(t)
	b.ingestFiles(t, nil, map[string]string{"bewohnerparken.md": parkingDoc})
	userName := dbtest.UniqueName("switch-")
	t.Cleanup(func() {
		_, _ = b.store.SetActiveModel(context.Background(), store.ModelChange{Role: store.RoleChat, To: b.chatModel, By: "test cleanup"})
	})

	const clients, perClient = 4, 3
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failures []string
	used := map[string]int{}
	started := make(chan struct{}, clients*perClient)
	for range clients {
		wg.Go(func() {
			for range perClient {
				started <- struct{}{}
				resp, events := b.ask(t, userName, nil, map[string]any{"question": "Was kostet ein Bewohnerparkausweis für zwölf Monate?"})
				mu.Lock()
				last := events[len(events)-1]
				if resp.StatusCode != http.StatusOK || last.Event != "done" {
					failures = append(failures, resp.Status+" "+last.Event+" "+string(last.Data))
				} else {
					d := decode[doneData](t, last)
					used[d.Done.ChatModel]++
					if d.Done.Mode != answer.ModeAnswer || d.Done.GeneratedTokens == 0 {
						failures = append(failures, "mode "+d.Done.Mode)
					}
					if d.AnswerID == 0 {
						failures = append(failures, "answer not recorded")
					}
					for _, ev := range events {
						if ev.Event == "error" {
							failures = append(failures, "error event "+string(ev.Data))
						}
					}
				}
				mu.Unlock()
			}
		})
	}
	// Switch once a third of the requests have started.
	for range clients * perClient / 3 {
		<-started
	}
	resp, body := request(t, "POST", b.url+"/api/admin/models/chat", "root", admin, map[string]string{"name": b.embedModel}, nil)
	if resp.StatusCode != http.StatusOK {
		t.Errorf("switch = %d %s", resp.StatusCode, body)
	}
	go func() {
		for range started {
		}
	}()
	wg.Wait()
	close(started)

	if len(failures) > 0 {
		t.Errorf("%d requests failed during the switch: %v", len(failures), failures)
	}
	if used[b.chatModel] == 0 || used[b.embedModel] == 0 {
		t.Errorf("answers by model %v: want both %s and %s", used, b.chatModel, b.embedModel)
	}
	rows, err := dbtest.Migrated(t).Query(context.Background(),
		"SELECT chat_model, count(*) FROM answers WHERE user_name = $1 GROUP BY 1", userName)
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]int{}
	for rows.Next() {
		var m string
		var n int
		if err := rows.Scan(&m, &n); err != nil {
			t.Fatal(err)
		}
		stored[m] = n
	}
	if stored[b.chatModel] != used[b.chatModel] || stored[b.embedModel] != used[b.embedModel] {
		t.Errorf("stored answers by model %v, streamed %v", stored, used)
	}
	resp, body = request(t, "GET", b.url+"/api/admin/models", "root", admin, nil, nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"to": "`+b.embedModel+`"`) || !strings.Contains(string(body), `"by": "root"`) {
		t.Errorf("history after the switch = %d %s, want the change by root", resp.StatusCode, body)
	}
}
