package ollama

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/ollama/ollama/api"
)

// ImportGGUF creates model name from a GGUF file on this machine: the file
// is uploaded as a blob (skipped by the server when it already has it) and
// a model is created from it, the way air-gapped sites receive models. It
// returns the new model's digest.
func (c *Client) ImportGGUF(ctx context.Context, name, path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("import %s as %s: %w", path, name, err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("import %s as %s: hash file: %w", path, name, err)
	}
	digest := "sha256:" + hex.EncodeToString(h.Sum(nil))
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return "", fmt.Errorf("import %s as %s: %w", path, name, err)
	}
	if err := c.api.CreateBlob(ctx, digest, f); err != nil {
		return "", c.wrap("upload blob for", name, err)
	}
	stream := false
	req := &api.CreateRequest{Model: name, Files: map[string]string{filepath.Base(path): digest}, Stream: &stream}
	if err := c.api.Create(ctx, req, func(api.ProgressResponse) error { return nil }); err != nil {
		return "", c.wrap("create", name, err)
	}
	info, err := c.Show(ctx, name)
	if err != nil {
		return "", err
	}
	return info.Digest, nil
}
