package modeladmin

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/civitas-eu/civitas/internal/audit"
	"github.com/civitas-eu/civitas/internal/inference"
	"github.com/civitas-eu/civitas/internal/ollama"
	"github.com/civitas-eu/civitas/internal/store"
)

// Model is an installed model as the admin page and CLI show it.
type Model struct {
	Name          string    `json:"name"`
	Size          int64     `json:"size"`
	Family        string    `json:"family"`
	Parameters    string    `json:"parameters"`
	Quantization  string    `json:"quantization"`
	ContextLength int       `json:"context_length"`
	Digest        string    `json:"digest"`
	ModifiedAt    time.Time `json:"modified_at"`
	// EmbeddingDims is the length of the model's embeddings, 0 when it
	// cannot embed (or could not be asked).
	EmbeddingDims int  `json:"embedding_dims"`
	ActiveChat    bool `json:"active_chat"`
	ActiveEmbed   bool `json:"active_embed"`
}

// List returns the installed models with their details and which are
// active. The context length (from Show) and the embedding dimension
// (probed with a one-word embedding, since a model's metadata does not
// reliably say it) are asked once per model digest and remembered, so a
// listing costs one request to Ollama once every model has been seen.
func (s *Service) List(ctx context.Context) ([]Model, error) {
	installed, err := s.llm.List(ctx)
	if err != nil {
		return nil, fmt.Errorf("models: %w", err)
	}
	chat, embed := s.active.ActiveModels()
	out := make([]Model, 0, len(installed))
	for _, in := range installed {
		m := Model{
			Name: in.Name, Size: in.Size, Family: in.Family, Parameters: in.Parameters, Quantization: in.Quantization,
			Digest: in.Digest, ModifiedAt: in.ModifiedAt,
			ActiveChat: in.Name == ollama.CanonicalName(chat), ActiveEmbed: in.Name == ollama.CanonicalName(embed),
		}
		n, err := s.contextLength(ctx, in.Name, in.Digest)
		if err != nil {
			return nil, fmt.Errorf("models: %w", err)
		}
		m.ContextLength = n
		m.EmbeddingDims = s.embeddingDims(ctx, in.Name, in.Digest)
		out = append(out, m)
	}
	return out, nil
}

// contextLength returns the model's context length, asking Ollama on first
// sight of a digest. A failed Show leaves it 0 and is not remembered (the
// next listing asks again); it is an error only when ctx is done.
func (s *Service) contextLength(ctx context.Context, name, digest string) (int, error) {
	key := cacheKey(name, digest)
	s.mu.Lock()
	n, ok := s.ctxLens[key]
	s.mu.Unlock()
	if ok {
		return n, nil
	}
	info, err := s.llm.Show(ctx, name)
	if err != nil {
		if ctx.Err() != nil {
			return 0, err
		}
		return 0, nil
	}
	s.mu.Lock()
	s.ctxLens[key] = info.ContextLength
	s.mu.Unlock()
	return info.ContextLength, nil
}

// embeddingDims returns the model's embedding length, probing it on first
// sight of a digest. A failed probe is remembered as 0 too: a model that
// cannot embed should not be loaded again at every listing.
func (s *Service) embeddingDims(ctx context.Context, name, digest string) int {
	key := cacheKey(name, digest)
	s.mu.Lock()
	d, ok := s.dims[key]
	s.mu.Unlock()
	if ok {
		return d
	}
	pctx, cancel := context.WithTimeout(ctx, s.cfg.ProbeTimeout)
	defer cancel()
	d, err := s.llm.EmbeddingDimensions(pctx, name)
	if err != nil {
		if ctx.Err() != nil {
			return 0
		}
		s.log.Debug("model does not embed", "model", name, "err", err)
		d = 0
	}
	s.mu.Lock()
	s.dims[key] = d
	s.mu.Unlock()
	return d
}

// cacheKey keys the caches by name and digest: an OpenAI-compatible
// server lists no digest, so the name alone tells its models apart.
func cacheKey(name, digest string) string { return name + "@" + digest }

// Installer is a Backend that may be unable to install models (one
// without an Ollama server); *inference.Set implements it.
type Installer interface {
	CanInstall() error
}

// CanInstall refuses pull, import and remove when the backends cannot
// install models: OpenAI-compatible servers manage their own.
func (s *Service) CanInstall() error {
	if in, ok := s.llm.(Installer); ok {
		if err := in.CanInstall(); err != nil {
			return refused(nil, "%s", err.Error())
		}
	}
	return nil
}

// HostReporter is a Backend that knows the state of its hosts;
// *inference.Set implements it.
type HostReporter interface {
	States() []inference.HostState
}

// Hosts returns the state of every inference host, for the admin page;
// nil when the backend does not report them.
func (s *Service) Hosts() []inference.HostState {
	if hr, ok := s.llm.(HostReporter); ok {
		return hr.States()
	}
	return nil
}

// validName accepts Ollama model names ("name", "ns/name:tag"); anything
// else is refused before it reaches Ollama or a log line.
var validName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._\-/]{0,199}(:[A-Za-z0-9._\-]{1,80})?$`)

func checkName(name string) error {
	if !validName.MatchString(name) {
		return refused(nil, "%q is not a valid model name", name)
	}
	return nil
}

// Pull downloads a model by name, calling fn with each progress step.
func (s *Service) Pull(ctx context.Context, name string, fn func(ollama.Progress) error) error {
	if err := checkName(name); err != nil {
		return err
	}
	if err := s.CanInstall(); err != nil {
		return err
	}
	if err := s.llm.Pull(ctx, name, fn); err != nil {
		return fmt.Errorf("models: %w", err)
	}
	s.log.Info("model pulled", "model", name)
	return s.record(ctx, audit.ActionModelInstalled, name, map[string]string{"how": "pull"})
}

// Import creates a model from a GGUF file on this server, with an
// optional prompt template and parameters. It returns the new digest.
func (s *Service) Import(ctx context.Context, name, path string, o ollama.ImportOptions) (string, error) {
	if err := checkName(name); err != nil {
		return "", err
	}
	if err := s.CanInstall(); err != nil {
		return "", err
	}
	st, err := os.Stat(path)
	if err != nil || !st.Mode().IsRegular() {
		return "", refused(err, "%s is not a readable file on the server", path)
	}
	digest, err := s.llm.ImportGGUFWith(ctx, name, path, o)
	if err != nil {
		return "", fmt.Errorf("models: %w", err)
	}
	s.log.Info("model imported", "model", name, "file", path, "digest", digest)
	return digest, s.record(ctx, audit.ActionModelInstalled, name, map[string]string{"how": "import", "file": filepath.Base(path), "digest": digest})
}

// ImportFromDir imports file, a name relative to Config.ImportDir, as
// model name: the admin API names files the site received, and cannot
// reach outside that folder.
func (s *Service) ImportFromDir(ctx context.Context, name, file string, o ollama.ImportOptions) (string, error) {
	if err := s.CanInstall(); err != nil {
		return "", err
	}
	if s.cfg.ImportDir == "" {
		return "", refused(nil, "importing over the API is off: set --models-import-dir to the folder model files are delivered to")
	}
	root, err := os.OpenRoot(s.cfg.ImportDir)
	if err != nil {
		return "", fmt.Errorf("models: open import folder %s: %w", s.cfg.ImportDir, err)
	}
	defer root.Close()
	rel := strings.TrimPrefix(filepath.Clean("/"+file), "/")
	// os.Root refuses names that escape the folder, symbolic links included.
	st, err := root.Stat(rel)
	if err != nil || !st.Mode().IsRegular() {
		return "", refused(err, "%s is not a file in the import folder", file)
	}
	return s.Import(ctx, name, filepath.Join(s.cfg.ImportDir, rel), o)
}

// Remove deletes an installed model. The active chat or embedding model
// is refused (ErrActive): switch away from it first. The vectors of a
// former embedding model stay until DropEmbeddings.
func (s *Service) Remove(ctx context.Context, name string) error {
	if err := checkName(name); err != nil {
		return err
	}
	if err := s.CanInstall(); err != nil {
		return err
	}
	rows, err := s.st.ActiveModels(ctx) // the database, not the cache: another replica may have switched
	if err != nil {
		return fmt.Errorf("models: %w", err)
	}
	for _, a := range rows {
		if ollama.CanonicalName(a.Model) == ollama.CanonicalName(name) {
			return refused(ErrActive, "%s is the active %s model: switch to another one first", name, a.Role)
		}
	}
	if err := s.llm.Delete(ctx, name); err != nil {
		if errors.Is(err, ollama.ErrModelNotFound) {
			return fmt.Errorf("models: %s: %w", name, store.ErrNotFound)
		}
		return fmt.Errorf("models: %w", err)
	}
	s.log.Info("model removed", "model", name)
	return s.record(ctx, audit.ActionModelRemoved, name, nil)
}

// record puts an admin's action on a model into the audit trail; the
// actor is the signed-in admin (or the CLI's user) from ctx.
func (s *Service) record(ctx context.Context, action, model string, details map[string]string) error {
	if _, err := audit.Append(ctx, s.st.DB(), audit.Event{Action: action, Target: "model:" + model, Details: details}); err != nil {
		return fmt.Errorf("models: %s %s done, but not recorded: %w", action, model, err)
	}
	return nil
}

// Changes returns the latest recorded switches, newest first.
func (s *Service) Changes(ctx context.Context, limit int) ([]store.ModelChange, error) {
	return s.st.ModelChanges(ctx, limit)
}
