package sources

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/civitas-eu/civitas/internal/sqlfile"
	"github.com/civitas-eu/civitas/internal/store"
)

// Source is one configured source. Credentials is a reference (file:/path
// or env:NAME), never a secret.
type Source struct {
	ID          int64          `json:"id"`
	Name        string         `json:"name"`
	Kind        string         `json:"kind"`
	URL         string         `json:"url"`
	Settings    map[string]any `json:"settings"`
	Collection  string         `json:"collection"`
	Groups      []string       `json:"groups"`
	EverySecs   int            `json:"every_seconds"`
	Cron        string         `json:"cron"`
	Include     []string       `json:"include"`
	Exclude     []string       `json:"exclude"`
	Enabled     bool           `json:"enabled"`
	AllowRemote bool           `json:"allow_remote"`
	Credentials string         `json:"credentials"`
	CreatedAt   time.Time      `json:"created_at"`
	UpdatedAt   time.Time      `json:"updated_at"`
	NextRunAt   *time.Time     `json:"next_run_at"`
	Syncing     bool           `json:"syncing"`
	LastRun     *Run           `json:"last_run"`
}

// Run is the summary of one sync run.
type Run struct {
	ID         int64      `json:"id"`
	Status     string     `json:"status"` // running, done, failed, interrupted
	StartedAt  time.Time  `json:"started_at"`
	FinishedAt *time.Time `json:"finished_at"`
	Added      int        `json:"added"`
	Updated    int        `json:"updated"`
	Unchanged  int        `json:"unchanged"`
	Removed    int        `json:"removed"`
	Failed     int        `json:"failed"`
	Chunks     int        `json:"chunks"`
	Error      string     `json:"error,omitempty"`
	Failures   []Failure  `json:"failures,omitempty"`
	Duration   float64    `json:"duration_seconds,omitempty"`
}

// Failure is one entry that could not be synced, and why.
type Failure struct {
	Key    string `json:"key"`
	Reason string `json:"reason"`
}

// Errors of the store.
var (
	ErrNotFound = store.ErrNotFound
	ErrExists   = errors.New("a source of that name exists")
	// ErrBusy is returned by Sync while another worker syncs the source.
	ErrBusy = errors.New("the source is being synced by another worker")
)

//go:embed queries.sql
var queryFS embed.FS

// Store keeps sources, their items and their runs.
type Store struct {
	db store.DB
	q  sqlfile.Queries
}

// NewStore returns a Store over db.
func NewStore(db store.DB) (*Store, error) {
	q, err := sqlfile.Load(queryFS, ".")
	if err != nil {
		return nil, fmt.Errorf("sources: %w", err)
	}
	return &Store{db: db, q: q}, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Insert adds src and returns its id.
func (s *Store) Insert(ctx context.Context, src Source) (int64, error) {
	settings, _ := json.Marshal(src.Settings)
	var id int64
	err := s.db.QueryRow(ctx, s.q.Get("Insert"), src.Name, src.Kind, src.URL, string(settings), src.Collection,
		nonNil(src.Groups), src.EverySecs, src.Cron, nonNil(src.Include), nonNil(src.Exclude), src.Enabled,
		src.AllowRemote, src.Credentials, src.NextRunAt).Scan(&id)
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" {
		return 0, ErrExists
	}
	if err != nil {
		return 0, fmt.Errorf("sources: insert %s: %w", src.Name, err)
	}
	return id, nil
}

// Update writes src's settings; forget clears the items' change tokens,
// so that the next run reads every entry again (the groups changed);
// moved (the collection changed) forgets the items themselves.
func (s *Store) Update(ctx context.Context, src Source, forget, moved bool) error {
	return pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		settings, _ := json.Marshal(src.Settings)
		tag, err := tx.Exec(ctx, s.q.Get("Update"), src.ID, src.Kind, src.URL, string(settings), src.Collection,
			nonNil(src.Groups), src.EverySecs, src.Cron, nonNil(src.Include), nonNil(src.Exclude), src.Enabled,
			src.AllowRemote, src.Credentials, src.NextRunAt)
		if err != nil {
			return fmt.Errorf("sources: update %s: %w", src.Name, err)
		}
		if tag.RowsAffected() == 0 {
			return ErrNotFound
		}
		if forget {
			if _, err := tx.Exec(ctx, s.q.Get("ForgetTokens"), src.ID); err != nil {
				return fmt.Errorf("sources: update %s: %w", src.Name, err)
			}
		}
		// In another collection no entry is the source's yet: each is
		// checked again against what that collection holds (sync.go).
		if moved {
			if _, err := tx.Exec(ctx, s.q.Get("ForgetItems"), src.ID); err != nil {
				return fmt.Errorf("sources: update %s: %w", src.Name, err)
			}
		}
		return nil
	})
}

// Delete removes source id with its items and runs; its documents stay.
func (s *Store) Delete(ctx context.Context, id int64) error {
	tag, err := s.db.Exec(ctx, s.q.Get("Delete"), id)
	if err != nil {
		return fmt.Errorf("sources: delete %d: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return nil
}

// List returns every source with its last run.
func (s *Store) List(ctx context.Context) ([]Source, error) { return s.sel(ctx, 0, "") }

// Get returns source id, or ErrNotFound.
func (s *Store) Get(ctx context.Context, id int64) (Source, error) { return s.one(s.sel(ctx, id, "")) }

// ByName returns the source called name, or ErrNotFound.
func (s *Store) ByName(ctx context.Context, name string) (Source, error) {
	return s.one(s.sel(ctx, 0, name))
}

func (s *Store) one(list []Source, err error) (Source, error) {
	if err != nil {
		return Source{}, err
	}
	if len(list) == 0 {
		return Source{}, ErrNotFound
	}
	return list[0], nil
}

func (s *Store) sel(ctx context.Context, id int64, name string) ([]Source, error) {
	rows, err := s.db.Query(ctx, s.q.Get("Select"), id, name)
	if err != nil {
		return nil, fmt.Errorf("sources: list: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Source, error) {
		var src Source
		var settings []byte
		var runID *int64
		var r Run
		var status, runErr *string
		var started *time.Time
		var counts [6]*int
		err := row.Scan(&src.ID, &src.Name, &src.Kind, &src.URL, &settings, &src.Collection, &src.Groups,
			&src.EverySecs, &src.Cron, &src.Include, &src.Exclude, &src.Enabled, &src.AllowRemote, &src.Credentials,
			&src.CreatedAt, &src.UpdatedAt, &src.NextRunAt, &src.Syncing,
			&runID, &status, &started, &r.FinishedAt, &counts[0], &counts[1], &counts[2], &counts[3], &counts[4], &counts[5], &runErr)
		if err != nil {
			return src, err
		}
		_ = json.Unmarshal(settings, &src.Settings)
		if runID != nil {
			r.ID, r.Status, r.StartedAt, r.Error = *runID, *status, *started, *runErr
			r.Added, r.Updated, r.Unchanged, r.Removed, r.Failed, r.Chunks = *counts[0], *counts[1], *counts[2], *counts[3], *counts[4], *counts[5]
			src.LastRun = &r
		}
		return src, nil
	})
	if err != nil {
		return nil, fmt.Errorf("sources: list: %w", err)
	}
	return out, nil
}

// Runs returns source id's latest runs, newest first.
func (s *Store) Runs(ctx context.Context, id int64, limit int) ([]Run, error) {
	rows, err := s.db.Query(ctx, s.q.Get("Runs"), id, limit)
	if err != nil {
		return nil, fmt.Errorf("sources: runs: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Run, error) {
		var r Run
		var failures []byte
		err := row.Scan(&r.ID, &r.Status, &r.StartedAt, &r.FinishedAt, &r.Added, &r.Updated, &r.Unchanged, &r.Removed,
			&r.Failed, &r.Chunks, &r.Error, &failures)
		_ = json.Unmarshal(failures, &r.Failures)
		return r, err
	})
	if err != nil {
		return nil, fmt.Errorf("sources: runs: %w", err)
	}
	return out, nil
}

// item is what the collection holds from one entry.
type item struct {
	token, uri string
}

func (s *Store) items(ctx context.Context, id int64) (map[string]item, error) {
	rows, err := s.db.Query(ctx, s.q.Get("Items"), id)
	if err != nil {
		return nil, fmt.Errorf("sources: items: %w", err)
	}
	out := map[string]item{}
	var key string
	var it item
	_, err = pgx.ForEachRow(rows, []any{&key, &it.token, &it.uri}, func() error { out[key] = it; return nil })
	if err != nil {
		return nil, fmt.Errorf("sources: items: %w", err)
	}
	return out, nil
}
