// Package sharedtest finds the shared test material that lives beside the
// repository, never inside it: shared/data (real documents, the QA set,
// hostile files) and shared/models (GGUF models). Tests that need it skip,
// saying where they looked, when it is absent.
package sharedtest

import (
	"os"
	"path/filepath"
	"testing"
)

// envFor names the variable that overrides the search for each kind.
var envFor = map[string]string{"data": "CIVITAS_DATA_DIR", "models": "CIVITAS_MODELS_DIR"}

// Find returns shared/<kind> ("data" or "models"): the folder named by
// its environment variable, else the first shared/<kind> found walking up
// from the working directory.
func Find(kind string) (string, bool) {
	if dir := os.Getenv(envFor[kind]); dir != "" {
		fi, err := os.Stat(dir)
		return dir, err == nil && fi.IsDir()
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", false
	}
	for {
		cand := filepath.Join(dir, "shared", kind)
		if fi, err := os.Stat(cand); err == nil && fi.IsDir() {
			return cand, true
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}

// DataDir returns shared/data, or skips the test.
func DataDir(tb testing.TB) string {
	tb.Helper()
	dir, ok := Find("data")
	if !ok {
		tb.Skip("shared test data not found: set CIVITAS_DATA_DIR or keep shared/ beside the repository")
	}
	return dir
}
