package main

import (
	"os"
	"testing"

	"github.com/civitas-eu/civitas/internal/extract"
)

// TestMain makes this test binary its own parser child, as main does:
// an upload in a test that runs the whole assistant is parsed in a child
// process of os.Executable, which here is the test binary.
func TestMain(m *testing.M) {
	if extract.IsChild(os.Args) {
		os.Exit(extract.RunChild(os.Args[2:], os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}
