package ollama

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"github.com/ollama/ollama/api"
)

// ImportFiles creates model name from the files of a model folder on this
// machine, keyed by their path inside the folder ("config.json",
// "1_Pooling/config.json", "model.safetensors"): every file is uploaded as
// a blob (the server skips blobs it has) and the server converts the set,
// as it does for a Hugging Face checkout of safetensors weights (BERT among
// others). It returns the new model's digest.
func (c *Client) ImportFiles(ctx context.Context, name string, files map[string]string, o ImportOptions) (string, error) {
	if len(files) == 0 {
		return "", fmt.Errorf("import %s: no files", name)
	}
	digests := make(map[string]string, len(files))
	keys := make([]string, 0, len(files))
	for k := range files {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !fs.ValidPath(k) {
			return "", fmt.Errorf("import %s: file name %q is not a relative slash path", name, k)
		}
		d, err := c.uploadBlob(ctx, name, files[k])
		if err != nil {
			return "", err
		}
		digests[k] = d
	}
	stream := false
	req := &api.CreateRequest{Model: name, Files: digests, Stream: &stream, Template: o.Template, Parameters: o.Parameters, Quantize: o.Quantize}
	if err := c.api.Create(ctx, req, func(api.ProgressResponse) error { return nil }); err != nil {
		return "", c.wrap("create", name, err)
	}
	info, err := c.Show(ctx, name)
	if err != nil {
		return "", err
	}
	return info.Digest, nil
}

// ImportDir is ImportFiles for every regular file under dir whose name
// keep accepts (nil keeps all), keyed by its slash path inside dir.
func (c *Client) ImportDir(ctx context.Context, name, dir string, keep func(rel string) bool, o ImportOptions) (string, error) {
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if keep == nil || keep(rel) {
			files[rel] = p
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("import %s from %s: %w", name, dir, err)
	}
	return c.ImportFiles(ctx, name, files, o)
}

// uploadBlob hashes the file at path and uploads it as a blob of that
// digest, which it returns.
func (c *Client) uploadBlob(ctx context.Context, name, path string) (string, error) {
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
	return digest, nil
}
