// Package modeladmin administers the Ollama models Civitas uses: the
// inventory of installed models, pulling, importing and removing them,
// which chat and embedding models are active, and switching them at
// runtime without downtime (a re-embed job, held by the golden-question
// guard when the new model does worse). It is named for that job, not
// "models" (a bucket name the style guide avoids) nor "modelswitch"
// (switching is only half of what it does; installs are the other half).
//
// The active models live in PostgreSQL (table active_models), so that
// every assistant replica and cmd/ingest agree on them; each process
// reads them through an Active, a small cache refreshed from the database
// every few seconds and at once after a local change. The flags
// --chat-model and --embed-model only seed an empty table.
//
// Switching the chat model is immediate once the new model has answered a
// probe chat; answers in flight keep the model they started with, since
// the answer service resolves its models once per request. Switching the
// embedding model is a re-embed: every current chunk gets a vector from
// the new model, in throttled batches that a crashed run resumes (only
// chunks without a vector are selected), while queries keep searching the
// old model's vectors. The active model flips in the transaction that
// verifies no current chunk lacks a vector from the new one, so retrieval
// never searches a model with missing vectors and never mixes two models
// (it filters by the one model's id on its own partial index).
package modeladmin

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/civitas-eu/civitas/internal/jobs"
	"github.com/civitas-eu/civitas/internal/ollama"
	"github.com/civitas-eu/civitas/internal/store"
)

// Config tunes a Service. The zero value of each field means its default.
type Config struct {
	// ProbeTimeout bounds the probe chat (and probe embedding) a model
	// must answer before it is switched to; it includes loading the model,
	// which takes a while for a large one on a CPU server. Default 2m.
	ProbeTimeout time.Duration
	// ReembedBatch is how many chunks one re-embed step embeds and stores;
	// default 32.
	ReembedBatch int
	// ReembedPause is the wait between two re-embed batches, which leaves
	// Ollama free for chat requests in between; default 100ms, negative
	// for none.
	ReembedPause time.Duration
	// ImportDir is the folder the admin API may import GGUF files from
	// (ImportFromDir); "" refuses API imports. The CLI, run by someone
	// with the server's files at hand, imports any path (Import).
	ImportDir string
}

func (c Config) withDefaults() Config {
	if c.ProbeTimeout <= 0 {
		c.ProbeTimeout = 2 * time.Minute
	}
	if c.ReembedBatch <= 0 {
		c.ReembedBatch = 32
	}
	if c.ReembedPause == 0 {
		c.ReembedPause = 100 * time.Millisecond
	}
	return c
}

// RefusedError is an admin request that cannot be carried out as asked: a
// model that is not installed, fails its probe, or is in use. Reason is
// safe to show to the admin.
type RefusedError struct {
	Reason string
	Err    error // the cause, for logs; may be nil
}

func (e *RefusedError) Error() string {
	if e.Err != nil {
		return e.Reason + ": " + e.Err.Error()
	}
	return e.Reason
}

func (e *RefusedError) Unwrap() error { return e.Err }

func refused(err error, format string, args ...any) error {
	return &RefusedError{Reason: fmt.Sprintf(format, args...), Err: err}
}

// ErrActive is wrapped by the refusal to remove a model, or drop the
// vectors of one, that is active.
var ErrActive = errors.New("the model is active")

// Backend is the model servers a Service manages: chat, embeddings, the
// inventory and the installs. *ollama.Client (one server) and
// *inference.Set (separate chat and embedding backends, several hosts
// each) implement it. Pull, ImportGGUFWith and Delete need an Ollama
// server; a Backend that may have none also implements Installer.
type Backend interface {
	ChatStream(ctx context.Context, model string, messages []ollama.Message, opts ollama.ChatOptions, onToken func(string) error) (ollama.ChatStats, error)
	Embed(ctx context.Context, model string, texts []string) ([][]float32, error)
	EmbeddingDimensions(ctx context.Context, model string) (int, error)
	Show(ctx context.Context, model string) (ollama.ModelInfo, error)
	List(ctx context.Context) ([]ollama.Installed, error)
	Pull(ctx context.Context, model string, fn func(ollama.Progress) error) error
	ImportGGUFWith(ctx context.Context, name, path string, o ollama.ImportOptions) (string, error)
	Delete(ctx context.Context, model string) error
}

var _ Backend = (*ollama.Client)(nil)

// Deps are what a Service works with.
type Deps struct {
	Store  *store.Store
	Ollama Backend
	// Active is the process's cache of the active models, refreshed at
	// once after a switch made here.
	Active *Active
	// Queue runs re-embeds in the background; nil when the caller runs
	// them inline (the CLI).
	Queue *jobs.Queue
	// Golden scores the golden questions with a model before a switch;
	// nil: Service.ScoreGolden.
	Golden GoldenScorer
}

// Service manages models through one Ollama server and the database.
type Service struct {
	st     *store.Store
	llm    Backend
	active *Active
	queue  *jobs.Queue
	cfg    Config
	log    *slog.Logger
	golden GoldenScorer

	// Both caches are keyed by model digest: a digest never changes what
	// it describes, so an entry never goes stale.
	mu      sync.Mutex
	dims    map[string]int // embedding dimension; 0: cannot embed
	ctxLens map[string]int // context length, as Show reports it
}

// New returns a Service. With a queue, it enqueues re-embeds there: the
// process that runs the queue registers Handler on it.
func New(d Deps, cfg Config, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{st: d.Store, llm: d.Ollama, active: d.Active, queue: d.Queue, cfg: cfg.withDefaults(), log: log, dims: map[string]int{}, ctxLens: map[string]int{}, golden: d.Golden}
}

// Handlers are the re-embed job and the learning of fusion weights, one
// at a time each: a re-embed keeps Ollama busy enough, there is one
// active embedding model to move to, and learning weights runs every
// golden question through retrieval four times.
func (s *Service) Handlers() []jobs.Registration {
	return []jobs.Registration{
		{Kind: JobReembed, Concurrency: 1, Handler: s.runReembedJob},
		{Kind: JobFusionWeights, Concurrency: 1, Handler: s.runFusionWeightsJob},
	}
}

// Active returns the process's cache of the active models.
func (s *Service) Active() *Active { return s.active }
