package ollama

import (
	"context"
	"path/filepath"
	"strings"
	"time"

	"github.com/ollama/ollama/api"
)

// Installed is one model the server has, as its list reports it.
type Installed struct {
	Name         string // without a ":latest" tag
	Digest       string
	Size         int64 // bytes on disk
	ModifiedAt   time.Time
	Family       string
	Parameters   string // e.g. "3.2B"
	Quantization string // e.g. "Q4_K_M"
}

// CanonicalName drops the implicit ":latest" tag, so that "x" and
// "x:latest" name the same model everywhere.
func CanonicalName(name string) string {
	return strings.TrimSuffix(strings.TrimSpace(name), ":latest")
}

// List returns the installed models, as the server orders them.
func (c *Client) List(ctx context.Context) ([]Installed, error) {
	resp, err := c.api.List(ctx)
	if err != nil {
		return nil, c.wrap("list", "", err)
	}
	out := make([]Installed, 0, len(resp.Models))
	for _, m := range resp.Models {
		out = append(out, Installed{
			Name: CanonicalName(m.Name), Digest: m.Digest, Size: m.Size, ModifiedAt: m.ModifiedAt,
			Family: m.Details.Family, Parameters: m.Details.ParameterSize, Quantization: m.Details.QuantizationLevel,
		})
	}
	return out, nil
}

// Progress is one step of a pull or an import, as the server reports it:
// a status line and, while bytes move, how many of how many are done.
type Progress struct {
	Status    string `json:"status"`
	Completed int64  `json:"completed,omitempty"`
	Total     int64  `json:"total,omitempty"`
}

// Pull downloads model from its registry, calling fn with each progress
// frame; an error from fn stops the pull. Air-gapped sites import GGUF
// files instead (ImportGGUF).
func (c *Client) Pull(ctx context.Context, model string, fn func(Progress) error) error {
	err := c.api.Pull(ctx, &api.PullRequest{Model: model}, func(p api.ProgressResponse) error {
		if fn == nil {
			return nil
		}
		return fn(Progress{Status: p.Status, Completed: p.Completed, Total: p.Total})
	})
	if err != nil {
		return c.wrap("pull", model, err)
	}
	return nil
}

// Delete removes an installed model, or fails with ErrModelNotFound.
func (c *Client) Delete(ctx context.Context, model string) error {
	if err := c.api.Delete(ctx, &api.DeleteRequest{Model: model}); err != nil {
		return c.wrap("delete", model, err)
	}
	return nil
}

// ImportOptions are what a model file does not say itself: the prompt
// template and default parameters, as in a Modelfile.
type ImportOptions struct {
	Template   string         // Go template of the prompt; "" uses the one in the GGUF
	Parameters map[string]any // e.g. {"num_ctx": 4096, "stop": ["</s>"]}
	Quantize   string         // e.g. "q8_0": quantize converted weights; "" keeps them
}

// ImportGGUFWith is ImportGGUF with a template and parameters. It returns
// the new model's digest.
func (c *Client) ImportGGUFWith(ctx context.Context, name, path string, o ImportOptions) (string, error) {
	return c.ImportFiles(ctx, name, map[string]string{filepath.Base(path): path}, o)
}
