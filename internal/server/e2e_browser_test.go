package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/civitas-eu/civitas/internal/dbtest"
)

// The browser tests drive Debian's chromium (CIVITAS_CHROMIUM names
// another binary) and check accessibility with axe-core from
// scripts/e2e/node_modules (`npm ci` there; make test does it).
const (
	envChromium  = "CIVITAS_CHROMIUM"
	envArtifacts = "CIVITAS_ARTIFACTS_DIR"
	axePath      = "../../scripts/e2e/node_modules/axe-core/axe.min.js"
)

// browser starts a headless chromium with a fresh profile and returns a
// context for one tab; it skips (or, under CIVITAS_TEST_REQUIRE_SERVICES,
// fails) when there is no chromium.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := os.Getenv(envChromium)
	if path == "" {
		path = "/usr/bin/chromium"
	}
	if _, err := exec.LookPath(path); err != nil {
		dbtest.Unavailable(t, fmt.Sprintf("no chromium at %s (apt-get install chromium, or set %s): skipping the browser test", path, envChromium))
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox, // the test may run as root in a container
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("lang", "en-US"), // navigator.languages: the page starts in English
		chromedp.Flag("accept-lang", "en-US,en"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	ctx, cancel := chromedp.NewContext(allocCtx, chromedp.WithErrorf(t.Logf))
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	// Start the browser now, on a context without a deadline (a deadline
	// on the first Run would bound the browser's whole life).
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// step runs actions with a deadline, failing the test with what was
// being done.
func step(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	if err := chromedp.Do(sctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// eval evaluates a JavaScript expression and decodes its value.
func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(sctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// waitFor polls a JavaScript predicate until it is truthy.
func waitFor(t *testing.T, ctx context.Context, what, predicate string, timeout time.Duration) {
	t.Helper()
	if err := poll(ctx, predicate, timeout); err != nil {
		t.Fatalf("waiting for %s (%s): %v", what, predicate, err)
	}
}

// poll polls a JavaScript predicate in the page until it is truthy, or
// fails after timeout.
func poll(ctx context.Context, predicate string, timeout time.Duration) error {
	sctx, cancel := context.WithTimeout(ctx, timeout+5*time.Second)
	defer cancel()
	_, err := chromedp.Run(sctx, chromedp.Poll[chromedp.Void](predicate, chromedp.WithPollingTimeout(timeout), chromedp.WithPollingInterval(100*time.Millisecond)))
	return err
}

// waitAcross polls a JavaScript predicate from Go until it is truthy.
// Unlike waitFor it survives the page navigating away between polls (a
// form post through a chain of redirects), which aborts an in-page poll:
// an evaluation that fails because the page is being replaced is simply
// tried again.
func waitAcross(t *testing.T, ctx context.Context, what, predicate string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		ectx, cancel := context.WithTimeout(ctx, 5*time.Second)
		ok, err := chromedp.Run(ectx, chromedp.Evaluate[bool](`!!(`+predicate+`)`))
		where, _ := chromedp.Run(ectx, chromedp.Evaluate[string](`location.href`))
		cancel()
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s (%s): still not there within %s, at %s (%v)", what, predicate, timeout, where, err)
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %v", what, ctx.Err())
		}
	}
}

// artifacts is where screenshots and accessibility reports go:
// $CIVITAS_ARTIFACTS_DIR (CI keeps it) or a temporary directory.
func artifacts(t *testing.T) string {
	t.Helper()
	dir := os.Getenv(envArtifacts)
	if dir == "" {
		dir = t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// screenshot saves a full-page PNG.
func screenshot(t *testing.T, ctx context.Context, dir, name string) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	png, err := chromedp.Run(sctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", p)
}

type axeViolation struct {
	ID          string `json:"id"`
	Impact      string `json:"impact"`
	Help        string `json:"help"`
	HelpURL     string `json:"helpUrl"`
	Description string `json:"description"`
	Nodes       []struct {
		Target         []any  `json:"target"`
		HTML           string `json:"html"`
		FailureSummary string `json:"failureSummary"`
	} `json:"nodes"`
}

type axeResults struct {
	Violations []axeViolation    `json:"violations"`
	Passes     []json.RawMessage `json:"passes"`
	Incomplete []json.RawMessage `json:"incomplete"`
	TestEngine struct {
		Version string `json:"version"`
	} `json:"testEngine"`
}

// checkAccessibility runs axe-core's WCAG 2.1 A and AA rules on the page
// as it is now, writes the full results to dir/<name>.axe.json, logs every
// violation, and fails on serious or critical ones. The script is injected
// through the DevTools protocol, which the page's CSP does not govern.
func checkAccessibility(t *testing.T, ctx context.Context, dir, name string) {
	t.Helper()
	src, err := os.ReadFile(axePath)
	if errors.Is(err, os.ErrNotExist) {
		dbtest.Unavailable(t, fmt.Sprintf("%s is missing (run `npm ci` in scripts/e2e): skipping the accessibility check", axePath))
	}
	if err != nil {
		t.Fatal(err)
	}
	sctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if _, err := chromedp.Run(sctx, chromedp.Evaluate[chromedp.Void](string(src))); err != nil {
		t.Fatalf("inject axe-core: %v", err)
	}
	raw, err := chromedp.Run(sctx, chromedp.Evaluate[[]byte](
		`axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}, resultTypes: ['violations']})`+
			`.then(r => ({violations: r.violations, passes: r.passes, incomplete: r.incomplete, testEngine: r.testEngine, url: r.url}))`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("run axe-core on %s: %v", name, err)
	}
	p := filepath.Join(dir, name+".axe.json")
	if err := os.WriteFile(p, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	var res axeResults
	if err := json.Unmarshal(raw, &res); err != nil {
		t.Fatalf("decode axe results: %v", err)
	}
	serious := 0
	for _, v := range res.Violations {
		var where []string
		for _, n := range v.Nodes {
			where = append(where, fmt.Sprintf("%v %s — %s", n.Target, n.HTML, strings.ReplaceAll(n.FailureSummary, "\n", " ")))
		}
		t.Logf("axe %s: %s [%s] %s\n\t%s", name, v.ID, v.Impact, v.Help, strings.Join(where, "\n\t"))
		if v.Impact == "serious" || v.Impact == "critical" {
			serious++
		}
	}
	t.Logf("axe-core %s on %s: %d violations (%d serious or critical), %d rules passed, %d to review by hand; report %s",
		res.TestEngine.Version, name, len(res.Violations), serious, len(res.Passes), len(res.Incomplete), p)
	if serious > 0 {
		t.Errorf("%s has %d serious or critical accessibility violations (see the log above and %s)", name, serious, p)
	}
}
