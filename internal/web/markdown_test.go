package web_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestMarkdownRenderer runs the unit tests of static/js/markdown.js
// (testdata/markdown_test.mjs) with node: tables, lists, emphasis, code,
// links shown as buttons naming their target, images never loaded, HTML
// kept as text, and no raw marker in any prefix of a streamed answer.
// Without node it skips, unless CIVITAS_TEST_REQUIRE_SERVICES is set.
func TestMarkdownRenderer(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("CIVITAS_TEST_REQUIRE_SERVICES") != "" {
			t.Fatal("node is needed for the Markdown renderer's tests: ", err)
		}
		t.Skip("node not installed")
	}
	out, err := exec.CommandContext(t.Context(), node, "testdata/markdown_test.mjs").CombinedOutput()
	if err != nil {
		t.Fatalf("node testdata/markdown_test.mjs: %v\n%s", err, out)
	}
	t.Log(strings.TrimSpace(string(out)))
}
