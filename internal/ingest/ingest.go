// Package ingest turns folders of documents into searchable chunks: it
// walks the given roots, skips what is unchanged, extracts and chunks the
// rest, embeds the chunks through Ollama's batch API and stores each
// document version in one transaction.
//
// The stages run concurrently (parse ‖ embed ‖ store) so that a run takes
// about as long as its slowest stage, not their sum. Work is claimed per
// document through the database, so several ingest processes can share
// the same roots; and because each document is written atomically, a
// process killed at any moment leaves the database consistent and a re-run
// finishes the job.
package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/civitas-eu/civitas/internal/chunk"
	"github.com/civitas-eu/civitas/internal/extract"
	"github.com/civitas-eu/civitas/internal/ollama"
	"github.com/civitas-eu/civitas/internal/store"
)

// Options describe one ingest run.
type Options struct {
	Roots      []string // files and folders, walked recursively
	Collection string   // default "default"
	Groups     []string // access groups stored on each document; none: public
	Language   string   // ISO 639-1 code forced on every document; "": detect
	Include    []string // globs on base name or full path; none: everything
	Exclude    []string
	Prune      bool // remove documents whose files disappeared under the roots
	DryRun     bool // report what would change, write nothing
	Force      bool // re-process files even when their content is unchanged
	// LexicalOnly stores chunks without vectors, for a server that has no
	// embedding model yet: they are found by full-text search, and a later
	// run with a model adds the vectors of unchanged documents.
	LexicalOnly bool
	Workers     int // parallel extractions
	BatchSize   int // texts per embedding request
	EmbedModel  string
	// ActiveEmbedModel, when set, names the embedding model in force at
	// the end of the run. When an admin switched models while the run
	// embedded with EmbedModel (the switch's own catch-up may have finished
	// before this run stored its last documents), the run goes over the
	// roots once more with the new model: unchanged documents only get its
	// vectors, so vector search after the switch misses none of them.
	ActiveEmbedModel func(context.Context) (string, error)
	Extract          extract.Options
	Chunk            chunk.Options
	// Lease is how long a claim on a document lasts without renewal; a
	// crashed process's documents are free again after it (at once on the
	// same host).
	Lease time.Duration
	// SourceURI, when set, ingests the one file in Roots as if it lay at
	// SourceURI: the document, its claim and its versions are SourceURI's,
	// the bytes the file's. The library ingests an upload where it waits
	// and moves it to SourceURI only once its version is stored. Include
	// and Exclude do not apply; Prune is refused.
	SourceURI string
	// Title and Meta, when set, are what a source (internal/sources)
	// knows about the one file of SourceURI: the title replaces the
	// file's own, Meta is kept in the document's metadata (OParl's
	// reference, date, body).
	Title string
	Meta  map[string]string
}

// Embedder computes embeddings; *ollama.Client implements it. Embed
// returns ollama.ErrModelNotFound for a missing model and
// ollama.ErrUnavailable when the server cannot be reached.
type Embedder interface {
	Embed(ctx context.Context, model string, texts []string) ([][]float32, error)
	EmbeddingDimensions(ctx context.Context, model string) (int, error)
	Show(ctx context.Context, model string) (ollama.ModelInfo, error)
}

var _ Embedder = (*ollama.Client)(nil)

// Ingester runs ingests against one store and one embedder.
type Ingester struct {
	store    *store.Store
	embedder Embedder
	log      *slog.Logger
	owner    store.Owner
	// Progress, if set, is told about every file, page and chunk.
	Progress *Progress

	// RememberModels is how long a registered embedding model is taken
	// as it was without asking Ollama again (0: every run asks).
	RememberModels time.Duration

	mu     sync.Mutex
	models map[string]registered // registerModel's recent answers
}

// New returns an Ingester. Each Ingester is one claim owner: give each
// process its own.
func New(st *store.Store, emb Embedder, log *slog.Logger) *Ingester {
	host, _ := os.Hostname()
	pid := os.Getpid()
	return &Ingester{
		store: st, embedder: emb, log: log,
		owner:  store.Owner{ID: fmt.Sprintf("%s:%d:%d", host, pid, time.Now().UnixNano()), Host: host, PID: pid},
		models: map[string]registered{},
	}
}

// Status of one file in a run.
const (
	StatusAdded     = "added"
	StatusUpdated   = "updated"
	StatusUnchanged = "unchanged"
	StatusRemoved   = "removed"
	StatusFailed    = "failed"
)

// FileResult is the outcome for one file.
type FileResult struct {
	Path     string `json:"path"`
	Status   string `json:"status"`
	Reason   string `json:"reason,omitempty"`
	Pages    int    `json:"pages"`
	Chunks   int    `json:"chunks"`
	Language string `json:"language,omitempty"`
	// DocumentID is the file's current version after the run (the one
	// written, or the unchanged one); 0 for a file that failed, was
	// removed or, in a dry run, was not written. The JSON report leaves
	// it out.
	DocumentID int64 `json:"-"`
}

// Report is the outcome of a run; its JSON form is what `ingest --json`
// prints.
type Report struct {
	Added     int          `json:"added"`
	Updated   int          `json:"updated"`
	Unchanged int          `json:"unchanged"`
	Removed   int          `json:"removed"`
	Failed    int          `json:"failed"`
	Pages     int          `json:"pages"`
	Chunks    int          `json:"chunks"`
	DryRun    bool         `json:"dry_run,omitempty"`
	Duration  float64      `json:"duration_seconds"`
	Files     []FileResult `json:"files"`
}

func (r *Report) add(f FileResult) {
	switch f.Status {
	case StatusAdded:
		r.Added++
	case StatusUpdated:
		r.Updated++
	case StatusUnchanged:
		r.Unchanged++
	case StatusRemoved:
		r.Removed++
	case StatusFailed:
		r.Failed++
	}
	if f.Status == StatusAdded || f.Status == StatusUpdated {
		r.Pages += f.Pages
		r.Chunks += f.Chunks
	}
	r.Files = append(r.Files, f)
}

// Changes is the number of documents the run added, updated or removed.
func (r *Report) Changes() int { return r.Added + r.Updated + r.Removed }

// withDefaults fills unset options and validates the rest.
func (o Options) withDefaults() (Options, error) {
	if len(o.Roots) == 0 {
		return o, errors.New("no files or folders given")
	}
	if o.Collection == "" {
		o.Collection = "default"
	}
	if o.Workers <= 0 {
		o.Workers = 2
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 32
	}
	if o.Lease <= 0 {
		o.Lease = 2 * time.Minute
	}
	if o.Extract.MaxBytes == 0 {
		o.Extract = extract.DefaultOptions()
	}
	if o.EmbedModel == "" && !o.LexicalOnly {
		return o, errors.New("no embedding model given")
	}
	if o.SourceURI != "" {
		if len(o.Roots) != 1 || o.Prune {
			return o, errors.New("a source URI names exactly one file, without pruning")
		}
		// A URI with a scheme (source://name/key) stays as it is; a path
		// is made absolute like a walked file's.
		if !strings.Contains(o.SourceURI, "://") {
			abs, err := filepath.Abs(o.SourceURI)
			if err != nil {
				return o, fmt.Errorf("source URI %s: %w", o.SourceURI, err)
			}
			o.SourceURI = abs
		}
	}
	if err := validateGlobs("include", o.Include); err != nil {
		return o, err
	}
	if err := validateGlobs("exclude", o.Exclude); err != nil {
		return o, err
	}
	return o, nil
}
