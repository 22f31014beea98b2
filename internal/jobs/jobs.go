// Package jobs is a small Postgres-backed queue for background work that
// must outlive a request and survive a restart: ingesting uploaded files,
// re-embedding every chunk with a new model, retention runs.
//
// Jobs are rows (migration 0005). A worker claims one with FOR UPDATE SKIP
// LOCKED and a lease it renews while the handler runs; a job whose worker
// died is claimed again when the lease expires, so handlers must resume
// from what the database says is done, never from memory. Failures are
// retried with backoff up to a job's MaxAttempts; Permanent errors fail at
// once. No LISTEN/NOTIFY: workers poll (PGlite, the development database,
// serves every connection on one backend), and a queue wakes its own
// workers at once when it enqueues.
package jobs

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/civitas-eu/civitas/internal/sqlfile"
	"github.com/civitas-eu/civitas/internal/store"
)

// Statuses of a job.
const (
	StatusQueued    = "queued"
	StatusRunning   = "running"
	StatusDone      = "done"
	StatusFailed    = "failed"
	StatusCancelled = "cancelled"
)

// ErrNotFound is returned for a job id that does not exist.
var ErrNotFound = store.ErrNotFound

// Progress is how far a running job has come.
type Progress struct {
	Done    int64  `json:"done"`
	Total   int64  `json:"total"`
	Message string `json:"message,omitempty"`
}

// Job is one row of the queue.
type Job struct {
	ID          int64           `json:"id"`
	Kind        string          `json:"kind"`
	Args        json.RawMessage `json:"args"`
	Status      string          `json:"status"`
	Attempts    int             `json:"attempts"`
	MaxAttempts int             `json:"max_attempts"`
	Progress    Progress        `json:"progress"`
	Error       string          `json:"error,omitempty"`
	CreatedBy   string          `json:"created_by,omitempty"`
	Result      json.RawMessage `json:"result,omitempty"`
	CreatedAt   time.Time       `json:"created_at"`
	UpdatedAt   time.Time       `json:"updated_at"`
	StartedAt   *time.Time      `json:"started_at,omitempty"`
	FinishedAt  *time.Time      `json:"finished_at,omitempty"`
}

// DecodeArgs unmarshals the job's arguments into v.
func (j Job) DecodeArgs(v any) error {
	if err := json.Unmarshal(j.Args, v); err != nil {
		return Permanent(fmt.Errorf("decode arguments of %s job %d: %w", j.Kind, j.ID, err))
	}
	return nil
}

// Config tunes a Queue; zero values take the defaults.
type Config struct {
	// Worker names this process in locked_by (default host:pid); each
	// claim adds a random token to it.
	Worker string
	// Poll is how often idle workers look for due jobs (default 1 s).
	Poll time.Duration
	// Lease is how long a claim holds without renewal (default 30 s); it
	// is renewed every Lease/3, so a dead worker's job waits at most Lease.
	Lease time.Duration
	// Backoff is the wait before the first retry, doubled per attempt
	// (default 5 s).
	Backoff time.Duration
}

// Queue enqueues jobs and runs the handlers registered with Handle.
type Queue struct {
	db      store.DB
	log     *slog.Logger
	cfg     Config
	queries sqlfile.Queries

	mu       sync.Mutex
	handlers map[string]registration
	wake     chan struct{}
}

type registration struct {
	concurrency int
	handler     Handler
	onEnd       EndFunc
}

//go:embed queries.sql
var queryFS embed.FS

// columns is the column list every statement returns, in scanJob's order.
const columns = `id, kind, args, status, attempts, max_attempts, progress_done, progress_total,
    progress_message, error, created_by, result, created_at, updated_at, started_at, finished_at`

// New returns a Queue over db (a pool in production).
func New(db store.DB, log *slog.Logger, cfg Config) (*Queue, error) {
	q, err := sqlfile.Load(queryFS, ".")
	if err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	for name, sql := range q {
		q[name] = strings.ReplaceAll(sql, "{{columns}}", columns)
	}
	if cfg.Worker == "" {
		host, _ := os.Hostname()
		cfg.Worker = fmt.Sprintf("%s:%d", host, os.Getpid())
	}
	if cfg.Poll <= 0 {
		cfg.Poll = time.Second
	}
	if cfg.Lease <= 0 {
		cfg.Lease = 30 * time.Second
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = 5 * time.Second
	}
	return &Queue{db: db, log: log, cfg: cfg, queries: q, handlers: map[string]registration{}, wake: make(chan struct{}, 1)}, nil
}

// EnqueueOptions are optional settings of a new job.
type EnqueueOptions struct {
	CreatedBy   string
	MaxAttempts int       // default 3
	RunAfter    time.Time // default now
	// Unique, when set, makes Enqueue return the existing queued or
	// running job of the same kind and key instead of adding a second.
	Unique string
}

// Enqueue adds a job of kind with args (encoded as JSON).
func (q *Queue) Enqueue(ctx context.Context, kind string, args any, o EnqueueOptions) (Job, error) {
	b, err := json.Marshal(args)
	if err != nil {
		return Job{}, fmt.Errorf("encode arguments of %s job: %w", kind, err)
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 3
	}
	var runAfter *time.Time // nil: now, by the database's clock
	if !o.RunAfter.IsZero() {
		runAfter = &o.RunAfter
	}
	var unique *string
	if o.Unique != "" {
		unique = &o.Unique
	}
	j, err := scanJob(q.db.QueryRow(ctx, q.queries.Get("Insert"), kind, string(b), unique, o.MaxAttempts, runAfter, o.CreatedBy))
	if errors.Is(err, pgx.ErrNoRows) && unique != nil {
		j, err = scanJob(q.db.QueryRow(ctx, q.queries.Get("ActiveByUnique"), kind, o.Unique))
		if errors.Is(err, pgx.ErrNoRows) {
			// The other job finished between the two statements.
			return q.Enqueue(ctx, kind, args, o)
		}
	}
	if err != nil {
		return Job{}, fmt.Errorf("enqueue %s job: %w", kind, err)
	}
	q.Wake()
	return j, nil
}

// Wake makes idle workers of this process look for jobs now.
func (q *Queue) Wake() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// Get returns job id, or ErrNotFound.
func (q *Queue) Get(ctx context.Context, id int64) (Job, error) {
	j, err := scanJob(q.db.QueryRow(ctx, q.queries.Get("Get"), id))
	if errors.Is(err, pgx.ErrNoRows) {
		return Job{}, fmt.Errorf("job %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return Job{}, fmt.Errorf("get job %d: %w", id, err)
	}
	return j, nil
}

// ListOptions filter List; empty fields match everything.
type ListOptions struct {
	Kinds     []string
	Statuses  []string
	CreatedBy string
	Limit     int // default 100
}

// List returns jobs, newest first.
func (q *Queue) List(ctx context.Context, o ListOptions) ([]Job, error) {
	if o.Limit <= 0 {
		o.Limit = 100
	}
	rows, err := q.db.Query(ctx, q.queries.Get("List"), nonNil(o.Kinds), nonNil(o.Statuses), o.CreatedBy, o.Limit)
	if err != nil {
		return nil, fmt.Errorf("list jobs: %w", err)
	}
	jobs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Job, error) { return scanJob(r) })
	if err != nil {
		return nil, fmt.Errorf("list jobs: %w", err)
	}
	return jobs, nil
}

// Cancel stops a queued or running job; a running handler sees its
// context cancelled at its next lease renewal. Cancelling a finished job
// is not an error.
func (q *Queue) Cancel(ctx context.Context, id int64) error {
	if _, err := q.db.Exec(ctx, q.queries.Get("Cancel"), id); err != nil {
		return fmt.Errorf("cancel job %d: %w", id, err)
	}
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func scanJob(row pgx.Row) (Job, error) {
	var j Job
	var args, result []byte
	err := row.Scan(&j.ID, &j.Kind, &args, &j.Status, &j.Attempts, &j.MaxAttempts, &j.Progress.Done,
		&j.Progress.Total, &j.Progress.Message, &j.Error, &j.CreatedBy, &result, &j.CreatedAt, &j.UpdatedAt,
		&j.StartedAt, &j.FinishedAt)
	j.Args, j.Result = args, result
	return j, err
}
