package server_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/civitas-eu/civitas/internal/auth"
	"github.com/civitas-eu/civitas/internal/dbtest"
	"github.com/civitas-eu/civitas/internal/inference"
	"github.com/civitas-eu/civitas/internal/jobs"
	"github.com/civitas-eu/civitas/internal/modeladmin"
	"github.com/civitas-eu/civitas/internal/ollama/ollamatest"
	"github.com/civitas-eu/civitas/internal/server"
	"github.com/civitas-eu/civitas/internal/store"
)

// modelsUI is an assistant with model management and its job worker
// running, for a development user in the admin group.
type modelsUI struct {
	bundle
	user   string
	svc    *modeladmin.Service
	active *modeladmin.Active
	embed0 string // the embedding model active when the test began
}

func setupModelsUI(t *testing.T) modelsUI {
	t.Helper()
	ctx := context.Background()
	dbtest.LockActiveModels(t)
	pool := dbtest.Migrated(t)
	st, err := store.New(pool)
	if err != nil {
		t.Fatal(err)
	}
	llm := ollamatest.Client(t)
	u := modelsUI{bundle: bundle{store: st, llm: llm, collection: newCollection()}, user: "admin-" + newCollection()}
	u.embedModel = ollamatest.Model(t, llm, ollamatest.RandomFile)
	u.chatModel = ollamatest.Model(t, llm, ollamatest.StoriesFile)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	q, err := jobs.New(pool, log, jobs.Config{Worker: newCollection(), Poll: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	u.active = modeladmin.NewActive(st, time.Second, log)
	// Large unthrottled batches: the re-embed covers every chunk of the
	// shared database, not only this test's.
	// Through the inference pools, as cmd/assistant wires them, so that
	// the page shows the hosts.
	backend := &inference.Set{ChatPool: inference.NewPool(inference.PoolConfig{Role: "chat", Kind: inference.KindOllama}, nil, llm),
		EmbedPool: inference.NewPool(inference.PoolConfig{Role: "embed", Kind: inference.KindOllama}, nil, llm)}
	u.svc = modeladmin.New(modeladmin.Deps{Store: st, Ollama: backend, Active: u.active, Queue: q},
		modeladmin.Config{ImportDir: ollamatest.ModelsDir(), ReembedBatch: 128, ReembedPause: -1}, log)
	q.Register(u.svc.Handlers()...)
	if err := u.svc.Seed(ctx, u.chatModel, u.embedModel); err != nil {
		t.Fatal(err)
	}
	// The active models are shared by every test on this database: pin
	// the chat model, and put both back afterwards.
	if _, err := st.SetActiveModel(ctx, store.ModelChange{Role: store.RoleChat, To: u.chatModel, By: "test setup"}); err != nil {
		t.Fatal(err)
	}
	if err := u.active.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	_, u.embed0 = u.active.ActiveModels()
	t.Cleanup(func() {
		_, _ = st.SetActiveModel(ctx, store.ModelChange{Role: store.RoleChat, To: u.chatModel, By: "test cleanup"})
		if _, err := pool.Exec(ctx, "DELETE FROM collections WHERE name = $1", u.collection); err != nil {
			t.Errorf("remove test collection %s: %v", u.collection, err)
		}
	})
	a := auth.Config{DevUser: u.user, DevGroups: []string{auth.GroupAdmin}}
	srv := server.New(server.Config{ChatModel: u.chatModel, EmbedModel: u.embedModel, Auth: a}, log,
		server.Deps{DB: pool, Models: backend, Store: st, Active: u.active, ModelAdmin: u.svc})
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); _ = q.Run(rctx) }()
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		ts.Close()
		cancel()
		<-done
	})
	u.url = ts.URL
	return u
}

// waitModels is waitFor that, when the time is up, shows what the models
// section said.
func waitModels(t *testing.T, ctx context.Context, what, predicate string, timeout time.Duration) {
	t.Helper()
	if err := poll(ctx, predicate, timeout); err != nil {
		t.Fatalf("waiting for %s (%s): %v; the models section says:\n%s", what, predicate, err, text(t, ctx, "#models-admin"))
	}
}

const modelRowJS = `[...document.querySelectorAll('#models-body tr')].find(r => r.dataset.model === %q)`

// clickModel presses a model's action button (data-action).
func clickModel(t *testing.T, ctx context.Context, model, action string) {
	t.Helper()
	row := fmt.Sprintf(modelRowJS, model)
	waitModels(t, ctx, action+" of "+model, fmt.Sprintf(`(%s) && !(%s).querySelector('button[data-action=%q]').disabled`, row, row, action), 2*time.Minute)
	step(t, ctx, action+" "+model, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(%s).querySelector('button[data-action=%q]').click()`, row, action)))
}

// confirmDialog waits for the confirmation naming want and presses OK.
func confirmDialog(t *testing.T, ctx context.Context, want string) {
	t.Helper()
	waitFor(t, ctx, "the confirmation", `document.getElementById('confirm-dialog').open`, 5*time.Second)
	if s := text(t, ctx, "#confirm-dialog"); !strings.Contains(s, want) {
		t.Errorf("confirmation %q does not name %s", s, want)
	}
	step(t, ctx, "confirm", chromedp.Click(chromedp.CSS("#confirm-ok")))
}

// badges returns the models with the chat and the embeddings badge.
func badges(t *testing.T, ctx context.Context) (chat, embed []string) {
	t.Helper()
	get := func(b string) []string {
		return eval[[]string](t, ctx, fmt.Sprintf(`[...document.querySelectorAll('#models-body tr')].filter(r => r.querySelector('[data-badge=%q]')).map(r => r.dataset.model)`, b))
	}
	return get("chat"), get("embed")
}

// The models section of the admin page in a real browser: the inventory
// with both shared models and their dimensions; switching the chat model
// there and back, each switch in the history; an import and a pull that
// fail with the server's reason; importing a private copy of the 8-dim
// model, switching embeddings to it with the re-embed's progress shown to
// the end, then (after the original is restored through the API)
// dropping its vectors and removing it. axe-core checks the page, also
// with the re-embed confirmation open.
func TestBrowserModels(t *testing.T) {
	ctx := browser(t)
	dir := artifacts(t)
	u := setupModelsUI(t)
	small, big := u.embedModel, u.chatModel // 8 and 64 dimensions
	u.embedModel = u.embed0                 // the fresh collection is embedded with the active model
	u.ingestFiles(t, nil, map[string]string{"bewohnerparken.md": parkingDoc})

	openPage(t, ctx, u.url+"/admin")
	waitFor(t, ctx, "the models section", `document.getElementById('models-admin-body').dataset.ready === 'true'`, time.Minute)
	dims := func(model string) string {
		return eval[string](t, ctx, fmt.Sprintf(`((%s) || {cells: []}).cells[6]?.textContent || 'missing'`, fmt.Sprintf(modelRowJS, model)))
	}
	if d := dims(small); d != "8" {
		t.Errorf("%s listed with %s dimensions, want 8", small, d)
	}
	if d := dims(big); d != "64" {
		t.Errorf("%s listed with %s dimensions, want 64", big, d)
	}
	if chat, embed := badges(t, ctx); strings.Join(chat, ",") != big || strings.Join(embed, ",") != u.embed0 {
		t.Errorf("badges: chat on %v, embeddings on %v; want %s and %s", chat, embed, big, u.embed0)
	}
	row := fmt.Sprintf(modelRowJS, big)
	if !eval[bool](t, ctx, row+`.querySelector('button[data-action=remove]').disabled`) ||
		!strings.Contains(eval[string](t, ctx, row+`.innerText`), "switch to another model") {
		t.Error("removing the active chat model is not disabled with an explanation")
	}
	short, full := eval[string](t, ctx, row+`.cells[7].querySelector('.mono').textContent`), eval[string](t, ctx, row+`.cells[7].querySelector('[title]').title`)
	if len(short) != 12 || len(full) <= 12 || !strings.HasPrefix(strings.TrimPrefix(full, "sha256:"), short) {
		t.Errorf("digest %q, title %q: want 12 characters shown, the full digest in the title", short, full)
	}
	// Each inference host with its role and state.
	if hosts := eval[string](t, ctx, `[...document.querySelectorAll('#hosts-body tr')].map(r => r.dataset.role + ':' + r.dataset.up).join(',')`); hosts != "chat:true,embed:true" || eval[bool](t, ctx, `document.getElementById('hosts-wrap').hidden`) {
		t.Errorf("hosts table = %q, want the chat and the embedding host, both up", hosts)
	}
	checkAccessibility(t, ctx, dir, "admin-models")

	// Chat: to the 8-dim model and back, both switches in the history.
	mine := fmt.Sprintf(`[...document.querySelectorAll('#changes-body tr')].filter(r => r.cells[1].textContent === %q).length`, u.user)
	for i, to := range []string{small, big} {
		clickModel(t, ctx, to, "useChat")
		waitModels(t, ctx, "the chat switch to "+to, fmt.Sprintf(`document.getElementById('models-message').textContent.includes('is now the chat model') && !!(%s).querySelector('[data-badge=chat]') && %s === %d`,
			fmt.Sprintf(modelRowJS, to), mine, i+1), 2*time.Minute)
		if s := text(t, ctx, "#changes-body tr"); !strings.Contains(s, to) || !strings.Contains(s, "Chat") {
			t.Errorf("newest history row %q, want the switch to %s", s, to)
		}
	}
	if chat, _ := u.active.ActiveModels(); chat != big {
		t.Errorf("chat model after switching back: %s", chat)
	}

	// Refusals show the server's reason.
	step(t, ctx, "import from outside the folder", chromedp.SetValue(chromedp.CSS("#import-name"), "civitas-e2e-bad"),
		chromedp.SetValue(chromedp.CSS("#import-path"), "../../etc/passwd"), chromedp.Click(chromedp.CSS("#import-form button[type=submit]")))
	waitFor(t, ctx, "the import refusal", `document.getElementById('import-result').classList.contains('form-error') && document.getElementById('import-result').textContent.includes('not a file in the import folder')`, 30*time.Second)
	step(t, ctx, "pull an unknown model", chromedp.SetValue(chromedp.CSS("#pull-name"), "civitas-no-such-model-"+u.collection[4:]),
		chromedp.Click(chromedp.CSS("#pull-form button[type=submit]")))
	waitFor(t, ctx, "the pull failure", `document.getElementById('pull-result').classList.contains('form-error') && !document.querySelector('#pull-form button[type=submit]').disabled`, time.Minute)
	t.Logf("pull refused: %s", text(t, ctx, "#pull-result"))

	// Embeddings: to a private copy of the 8-dim model, imported here.
	copyName := dbtest.UniqueName("civitas-e2e-embed-")
	t.Cleanup(func() { restoreEmbed(t, u, copyName) })
	step(t, ctx, "import the copy", chromedp.SetValue(chromedp.CSS("#import-name"), copyName), chromedp.SetValue(chromedp.CSS("#import-path"), ollamatest.RandomFile),
		chromedp.SetValue(chromedp.CSS("#import-parameters"), "num_ctx 256"), chromedp.Click(chromedp.CSS("#import-form button[type=submit]")))
	waitFor(t, ctx, "the import", fmt.Sprintf(`document.getElementById('import-result').textContent.includes('imported') && !!(%s)`, fmt.Sprintf(modelRowJS, copyName)), time.Minute)
	waitFor(t, ctx, "the copy's dimensions", fmt.Sprintf(`(%s).cells[6].textContent === '8'`, fmt.Sprintf(modelRowJS, copyName)), 30*time.Second)
	clickModel(t, ctx, copyName, "useEmbed")
	waitFor(t, ctx, "the re-embed confirmation", `document.getElementById('confirm-dialog').open`, 5*time.Second)
	if s := text(t, ctx, "#confirm-text"); !strings.Contains(s, "in the background") || !strings.Contains(s, u.embed0) {
		t.Errorf("re-embed confirmation %q: want the background re-embed and the model searches keep", s)
	}
	checkAccessibility(t, ctx, dir, "admin-models-dialog")
	confirmDialog(t, ctx, copyName)
	reembedDone := func(model string) string {
		return fmt.Sprintf(`document.getElementById('reembed').dataset.status === 'done' && document.getElementById('reembed-text').textContent.includes(%q) && !!(%s).querySelector('[data-badge=embed]')`,
			"with "+model+" finished", fmt.Sprintf(modelRowJS, model))
	}
	waitModels(t, ctx, "the re-embed to finish", reembedDone(copyName), 4*time.Minute)
	if v := eval[[]float64](t, ctx, `[document.getElementById('reembed-progress').value, document.getElementById('reembed-progress').max]`); v[0] != v[1] || v[1] < 1 {
		t.Errorf("progress at the end %v, want full", v)
	}
	waitModels(t, ctx, "the end of the re-embed to be announced", `document.getElementById('reembed-status').textContent.includes('finished')`, 5*time.Second)
	if _, embed := u.active.ActiveModels(); embed != copyName {
		t.Errorf("active embedding model %s, want %s", embed, copyName)
	}
	if !strings.Contains(text(t, ctx, "#changes-body tr"), copyName) {
		t.Error("the embedding switch is not in the history")
	}
	screenshot(t, ctx, dir, "admin-models.png")
	checkNarrow(t, ctx, "admin")

	// Back to the original through the API; the page shows it on reload.
	resp, body := request(t, "POST", u.url+"/api/admin/models/embed", "", nil, map[string]string{"name": u.embed0}, nil)
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("restore %s: %d %s", u.embed0, resp.StatusCode, body)
	}
	openPage(t, ctx, u.url+"/admin")
	waitModels(t, ctx, "the restore", reembedDone(u.embed0), 4*time.Minute)

	clickModel(t, ctx, copyName, "drop")
	confirmDialog(t, ctx, copyName)
	waitModels(t, ctx, "the vectors to go", `/^[1-9]\d* vectors of /.test(document.getElementById('models-message').textContent)`, 30*time.Second)
	clickModel(t, ctx, copyName, "remove")
	confirmDialog(t, ctx, copyName)
	waitModels(t, ctx, "the copy to go", fmt.Sprintf(`!(%s) && document.getElementById('models-message').textContent.includes('removed')`, fmt.Sprintf(modelRowJS, copyName)), 30*time.Second)
	if id := eval[string](t, ctx, `document.activeElement.id`); id != "models-wrap" {
		t.Errorf("focus after removing is on #%s, want the models table", id)
	}
}

// restoreEmbed makes sure the original embedding model is active again
// and the copy is gone, whatever state a failed test left.
func restoreEmbed(t *testing.T, u modelsUI, copyName string) {
	ctx := context.Background()
	if _, embed := u.active.ActiveModels(); embed != u.embed0 {
		if _, err := u.svc.Reembed(ctx, u.embed0, "test cleanup", nil); err != nil {
			t.Errorf("restore %s: %v", u.embed0, err)
		}
	}
	if _, err := u.svc.DropEmbeddings(ctx, copyName); err != nil && !errors.Is(err, store.ErrNotFound) {
		t.Errorf("drop %s: %v", copyName, err)
	}
	_ = u.llm.Delete(ctx, copyName) // gone already when the test passed
}
