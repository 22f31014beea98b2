// Command loadmodels imports every GGUF file of a directory into an Ollama
// server under a stable name (the file name, lower-cased, without .gguf),
// through Ollama's blob upload and create API. `make up` runs it for the
// models in ../shared/models (or $CIVITAS_MODELS_DIR).
package main

import (
	"context"
	"flag"
	"fmt"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/civitas-eu/civitas/internal/ollama"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "loadmodels:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("loadmodels", flag.ContinueOnError)
	dir := fs.String("dir", "", "directory holding *.gguf files")
	base := fs.String("ollama-url", "http://127.0.0.1:11435", "Ollama server")
	if err := fs.Parse(args); err != nil {
		return err
	}
	u, err := url.Parse(*base)
	if err != nil {
		return fmt.Errorf("--ollama-url: %w", err)
	}
	models, err := ollama.FindLocalModels(*dir)
	if err != nil {
		return err
	}
	if len(models) == 0 {
		fmt.Printf("no *.gguf model files in %q: Ollama runs without models, and the assistant in search mode\n", *dir)
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	c := ollama.New(u, nil)
	for _, m := range models {
		digest, err := c.ImportGGUF(ctx, m.Name, m.Path)
		if err != nil {
			return err
		}
		fmt.Printf("model %-24s %s (from %s)\n", m.Name, short(digest), m.Path)
	}
	return nil
}

func short(d string) string {
	if len(d) > 12 {
		return d[:12]
	}
	return d
}
