package ollama

import "context"

// ImportGGUF creates model name from a GGUF file on this machine: the file
// is uploaded as a blob (skipped by the server when it already has it) and
// a model is created from it, the way air-gapped sites receive models. It
// returns the new model's digest. ImportGGUFWith sets a template and
// parameters too.
func (c *Client) ImportGGUF(ctx context.Context, name, path string) (string, error) {
	return c.ImportGGUFWith(ctx, name, path, ImportOptions{})
}
