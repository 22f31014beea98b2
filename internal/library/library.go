// Package library is the document library that knowledge managers run
// from the browser: it receives uploaded files (streamed to disk, checked
// by content), queues one background job per file in the job queue, and
// runs those jobs through the same ingest pipeline as cmd/ingest. It also
// lists the library, its versions and jobs, re-ingests and deletes.
//
// An uploaded file is checked where it arrives, under <upload dir>/.incoming/
// with a unique name, then stored in the originals store (internal/
// originals: the database or a bucket, which every replica reaches) under
// its SHA-256, and its job names it by that hash: whichever replica's
// worker claims the job reads the file from there, so the upload directory
// is scratch space of one process and need not be shared. The document's
// source URI is still <upload dir>/<collection>/<file name> (a name, no
// file lies there any more): uploading a changed file under the same name
// makes a new version of the same document, exactly as editing a file in
// an ingested folder does, provided every replica has the same
// --upload-dir. GET /api/documents/{id}/file serves the original from the
// store. Two uploads of the same name become two versions in the order
// their jobs run, and a file that fails to ingest never replaces the
// current version's original (the store keeps one file per content).
package library

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"

	"github.com/civitas-eu/civitas/internal/extract"
	"github.com/civitas-eu/civitas/internal/ingest"
	"github.com/civitas-eu/civitas/internal/jobs"
	"github.com/civitas-eu/civitas/internal/originals"
	"github.com/civitas-eu/civitas/internal/store"
)

// Kind is the job kind of uploads and re-ingests.
const Kind = "ingest"

// Config tunes the library; zero values take the defaults.
type Config struct {
	// UploadDir holds uploads while they are checked, and files being
	// ingested (required); it is created if missing. It also names the
	// documents' source URIs, so replicas should all be given the same.
	UploadDir string
	// Originals keeps the uploaded files (required).
	Originals originals.Store
	// MaxFileBytes is the largest file accepted (default 100 MiB).
	MaxFileBytes int64
	// Concurrency is how many files this process ingests at once
	// (default 1). One keeps uploads of the same name in upload order
	// (the queue hands out jobs oldest first), so their versions follow
	// it; with more, two versions uploaded in quick succession may be
	// ingested in either order. Embedding, the slow part, is one request
	// at a time on a CPU server anyway.
	Concurrency int
	// EmbedModel names the embedding model to use for a job. It is asked
	// at the start of every job, so that switching the assistant's active
	// model applies to the next upload without a restart.
	EmbedModel func(ctx context.Context) (string, error)
	// Sandbox, when set, parses each upload in a child process with
	// resource limits (extract.Sandbox); nil parses in this process.
	Sandbox *extract.Sandbox
	// Kind overrides the job kind (tests use their own, so that test
	// processes sharing a database do not run each other's jobs).
	Kind string
}

// InputError is a problem with what the caller sent or asked for; its
// message is written for the user and safe to show.
type InputError struct {
	Field   string // the form field at fault, if any
	Message string
}

func (e *InputError) Error() string {
	if e.Field == "" {
		return e.Message
	}
	return e.Field + ": " + e.Message
}

func inputErr(field, format string, args ...any) error {
	return &InputError{Field: field, Message: fmt.Sprintf(format, args...)}
}

// Service is the library. Create it with New and register its Handler
// before the queue runs.
type Service struct {
	store    *store.Store
	queue    *jobs.Queue
	ingester *ingest.Ingester
	log      *slog.Logger
	cfg      Config
	incoming string

	// pathLocks serialises jobs on the same document path within this
	// process, so that the file moved into place is the one ingested.
	mu        sync.Mutex
	pathLocks map[string]*pathLock
}

type pathLock struct {
	sync.Mutex
	users int
}

// New returns the library, which enqueues its jobs on q; register its
// Handler with q before the queue runs. emb embeds the chunks (an
// *ollama.Client).
func New(st *store.Store, q *jobs.Queue, emb ingest.Embedder, log *slog.Logger, cfg Config) (*Service, error) {
	if cfg.UploadDir == "" {
		return nil, errors.New("library: no upload directory configured")
	}
	if cfg.Originals == nil {
		return nil, errors.New("library: no originals store configured")
	}
	if cfg.EmbedModel == nil {
		return nil, errors.New("library: no embedding model configured")
	}
	if cfg.MaxFileBytes <= 0 {
		cfg.MaxFileBytes = 100 << 20
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 1
	}
	if cfg.Kind == "" {
		cfg.Kind = Kind
	}
	dir, err := filepath.Abs(cfg.UploadDir)
	if err != nil {
		return nil, fmt.Errorf("library: upload directory %s: %w", cfg.UploadDir, err)
	}
	cfg.UploadDir = dir
	s := &Service{store: st, queue: q, ingester: ingest.New(st, emb, log), log: log, cfg: cfg,
		incoming: filepath.Join(dir, ".incoming"), pathLocks: map[string]*pathLock{}}
	if err := os.MkdirAll(s.incoming, 0o750); err != nil {
		return nil, fmt.Errorf("library: create upload directory (--upload-dir): %w", err)
	}
	return s, nil
}

// Handler is the library's upload and re-ingest jobs: Config.Kind, run
// Config.Concurrency at a time, each ended job's file released (ended).
func (s *Service) Handler() jobs.Registration {
	return jobs.Registration{Kind: s.cfg.Kind, Concurrency: s.cfg.Concurrency, Handler: s.handle,
		Options: []jobs.HandleOption{jobs.OnEnd(s.ended)}}
}

// lockPath holds the lock of one document path until the returned
// function is called.
func (s *Service) lockPath(path string) func() {
	s.mu.Lock()
	l := s.pathLocks[path]
	if l == nil {
		l = &pathLock{}
		s.pathLocks[path] = l
	}
	l.users++
	s.mu.Unlock()
	l.Lock()
	return func() {
		l.Unlock()
		s.mu.Lock()
		if l.users--; l.users == 0 {
			delete(s.pathLocks, path)
		}
		s.mu.Unlock()
	}
}

// extractOptions are cmd/ingest's defaults, with the size limit raised to
// the upload limit when that is higher.
func (s *Service) extractOptions() extract.Options {
	o := extract.DefaultOptions()
	o.MaxBytes = max(o.MaxBytes, s.cfg.MaxFileBytes)
	o.Sandbox = s.cfg.Sandbox
	return o
}

// uploaded reports whether path is a file this library stored (and so
// may delete), rather than one ingested from a folder by cmd/ingest.
func (s *Service) uploaded(path string) bool {
	rel, err := filepath.Rel(s.cfg.UploadDir, path)
	return err == nil && filepath.IsLocal(rel) && filepath.Dir(rel) != "."
}
