// Command ingest makes municipal documents searchable for Civitas: it walks
// files and folders, extracts their text (PDF, DOCX, ODT, HTML, Markdown,
// plain text; scanned PDFs through tesseract when installed), chunks it
// along the documents' structure, embeds the chunks with a self-hosted
// Ollama model and stores them in PostgreSQL with pgvector.
//
// Re-running on the same folders changes nothing and says so; a run killed
// at any moment leaves the database consistent and the next run finishes
// the job. The exit status is non-zero when any file failed.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/civitas-eu/civitas/internal/config"
	"github.com/civitas-eu/civitas/internal/extract"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// isVersion reports whether args ask for the version alone.
func isVersion(args []string) bool {
	return len(args) == 1 && (args[0] == "--version" || args[0] == "-version")
}

func main() {
	// A document is parsed in a child process of this binary, which
	// becomes the child here before anything else happens.
	if extract.IsChild(os.Args) {
		os.Exit(extract.RunChild(os.Args[2:], os.Stdin, os.Stdout, os.Stderr))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	m := &Main{Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
	err := m.Run(ctx, os.Args[1:])
	switch {
	case err == nil:
	case errors.Is(err, flag.ErrHelp):
	case errors.Is(err, errUsage), errors.As(err, new(*config.UsageError)):
		fmt.Fprintln(os.Stderr, "civitas ingest:", err)
		os.Exit(2)
	case errors.Is(err, errFilesFailed):
		os.Exit(1) // the summary has listed them
	default:
		fmt.Fprintln(os.Stderr, "civitas ingest:", err)
		os.Exit(1)
	}
}
