package sources

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/civitas-eu/civitas/internal/audit"
	"github.com/civitas-eu/civitas/internal/egress"
	"github.com/civitas-eu/civitas/internal/ingest"
	"github.com/civitas-eu/civitas/internal/store"
)

// Ingester is the ingest pipeline, *ingest.Ingester.
type Ingester interface {
	Run(ctx context.Context, o ingest.Options) (*ingest.Report, error)
}

// EngineConfig wires an Engine.
type EngineConfig struct {
	Docs     *store.Store
	Ingester Ingester
	// Options gives the ingest options every entry starts from (the
	// embedding model in force, extraction limits, the parse sandbox).
	Options func(ctx context.Context) (ingest.Options, error)
	// FolderRoots are where folder sources may lie.
	FolderRoots []string
	// Getenv reads env: credentials; nil: os.Getenv.
	Getenv func(string) string
	// Resolver checks source hosts; nil: the system's.
	Resolver egress.Resolver
	// Lease is how long a sync holds its source without renewal
	// (default 1 min); a crashed worker's source is free after it.
	Lease time.Duration
	// MaxRun bounds one sync (default 6h): a source whose server hangs or
	// trickles must not hold a worker, and its source, for good.
	MaxRun time.Duration
	// Workers is how many entries are ingested at once (default 2).
	Workers int
	// Kinds overrides the registry (tests); nil: Kinds().
	Kinds map[string]Factory
}

// Engine syncs sources.
type Engine struct {
	st  *Store
	cfg EngineConfig
	log *slog.Logger
}

// NewEngine returns an Engine over st.
func NewEngine(st *Store, cfg EngineConfig, log *slog.Logger) *Engine {
	if cfg.Getenv == nil {
		cfg.Getenv = os.Getenv
	}
	if cfg.Lease <= 0 {
		cfg.Lease = time.Minute
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 2
	}
	if cfg.MaxRun <= 0 {
		cfg.MaxRun = 6 * time.Hour
	}
	if cfg.Kinds == nil {
		cfg.Kinds = Kinds()
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Engine{st: st, cfg: cfg, log: log}
}

// Store is the engine's source store.
func (e *Engine) Store() *Store { return e.st }

// Validate checks what a source says before it is stored: a known kind
// whose lister can be built from the URL and settings, a valid schedule,
// globs and credentials reference. It does not read the credentials.
func (e *Engine) Validate(ctx context.Context, src Source) error {
	f, ok := e.cfg.Kinds[src.Kind]
	if !ok {
		known := make([]string, 0, len(e.cfg.Kinds))
		for k := range e.cfg.Kinds {
			known = append(known, k)
		}
		return fmt.Errorf("kind: unknown kind %q (known: %s)", src.Kind, strings.Join(sorted(known), ", "))
	}
	if src.Cron != "" {
		if _, err := ParseCron(src.Cron); err != nil {
			return err
		}
	}
	for _, g := range append(append([]string{}, src.Include...), src.Exclude...) {
		if _, err := path.Match(g, "x"); err != nil {
			return fmt.Errorf("include/exclude: bad glob %q", g)
		}
	}
	if err := ValidCredentialsRef(src.Credentials); err != nil {
		return err
	}
	if err := checkURL(ctx, src.URL, src.AllowRemote, e.cfg.Resolver); err != nil {
		return fmt.Errorf("url: %w", err)
	}
	_, err := f(Config{URL: src.URL, Settings: src.Settings, Client: httpClient(src.AllowRemote, time.Minute), FolderRoots: e.cfg.FolderRoots,
		AllowRemote: src.AllowRemote, Egress: sourceGuard(e.cfg.Resolver)})
	return err
}

// NextRun is when src is due next after now; nil when it has no
// schedule (synced on demand only).
func NextRun(src Source, now time.Time) *time.Time {
	var t time.Time
	switch {
	case src.Cron != "":
		c, err := ParseCron(src.Cron)
		if err != nil {
			return nil
		}
		t = c.Next(now)
	case src.EverySecs > 0:
		t = now.Add(time.Duration(src.EverySecs) * time.Second)
	}
	if t.IsZero() || !src.Enabled {
		return nil
	}
	return &t
}

// Sync runs source id once and returns its summary. It returns ErrBusy
// when another worker holds the source, and an error when the run could
// not be recorded; a failed listing or failed entries are in the summary.
func (e *Engine) Sync(ctx context.Context, id, jobID int64) (Run, error) {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	owner := hex.EncodeToString(b)
	var got int64
	err := e.st.db.QueryRow(ctx, e.st.q.Get("Acquire"), id, owner, e.cfg.Lease.Seconds()).Scan(&got)
	if errors.Is(err, pgx.ErrNoRows) {
		// Held by another worker, or no such source.
		if _, gerr := e.st.Get(ctx, id); gerr != nil {
			return Run{}, gerr
		}
		return Run{}, ErrBusy
	}
	if err != nil {
		return Run{}, fmt.Errorf("sources: take source %d: %w", id, err)
	}
	ctx, stop := context.WithTimeoutCause(ctx, e.cfg.MaxRun,
		fmt.Errorf("the run took longer than %s, the most one sync may take", e.cfg.MaxRun))
	defer stop()
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	renewDone := make(chan struct{})
	go e.renew(ctx, cancel, id, owner, renewDone)

	src, err := e.st.Get(ctx, id)
	if err != nil {
		cancel(nil)
		<-renewDone
		e.release(id, owner, nil)
		return Run{}, err
	}
	run, err := e.record(ctx, src, jobID)
	cancel(nil)
	<-renewDone
	e.release(id, owner, NextRun(src, time.Now()))
	return run, err
}

// renew extends the lease until ctx ends; losing it stops the sync.
func (e *Engine) renew(ctx context.Context, cancel context.CancelCauseFunc, id int64, owner string, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(e.cfg.Lease / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			tag, err := e.st.db.Exec(ctx, e.st.q.Get("Renew"), id, owner, e.cfg.Lease.Seconds())
			if err == nil && tag.RowsAffected() == 0 {
				cancel(errors.New("lost the source's lease to another worker"))
				return
			}
		}
	}
}

func (e *Engine) release(id int64, owner string, next *time.Time) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := e.st.db.Exec(ctx, e.st.q.Get("Release"), id, owner, next); err != nil {
		e.log.Warn("sources: could not release a source's lease; it lapses by itself", "source", id, "err", err)
	}
}

// record runs src and records the run: started (after marking runs a dead
// worker left as interrupted), then finished with its summary, failures
// in the audit trail.
func (e *Engine) record(ctx context.Context, src Source, jobID int64) (Run, error) {
	if _, err := e.st.db.Exec(ctx, e.st.q.Get("InterruptRuns"), src.ID); err != nil {
		return Run{}, fmt.Errorf("sources: %w", err)
	}
	var job *int64
	if jobID != 0 {
		job = &jobID
	}
	run := Run{Status: "running", StartedAt: time.Now(), Failures: []Failure{}}
	if err := e.st.db.QueryRow(ctx, e.st.q.Get("StartRun"), src.ID, job).Scan(&run.ID); err != nil {
		return Run{}, fmt.Errorf("sources: start run: %w", err)
	}
	runErr := e.run(ctx, src, &run)
	run.Status = "done"
	if runErr != nil {
		run.Status, run.Error = "failed", runErr.Error()
	} else if run.Failed > 0 {
		run.Error = fmt.Sprintf("%d entries failed", run.Failed)
	}
	now := time.Now()
	run.FinishedAt = &now
	run.Duration = now.Sub(run.StartedAt).Seconds()
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	failures := run.Failures
	if len(failures) > 200 {
		failures = failures[:200] // the summary, not a log
	}
	fj, _ := json.Marshal(failures)
	if _, err := e.st.db.Exec(wctx, e.st.q.Get("FinishRun"), run.ID, run.Status, run.Added, run.Updated, run.Unchanged,
		run.Removed, run.Failed, run.Chunks, run.Error, string(fj)); err != nil {
		return run, fmt.Errorf("sources: finish run: %w", err)
	}
	if run.Status == "failed" || run.Failed > 0 {
		e.log.Warn("sources: sync had failures", "source", src.Name, "status", run.Status, "failed", run.Failed, "err", run.Error)
		if _, err := audit.Append(wctx, e.st.db, audit.Event{Action: ActionSyncFailed, Target: "source:" + src.Name,
			Details: map[string]any{"run": run.ID, "status": run.Status, "failed": run.Failed, "error": run.Error}}); err != nil {
			e.log.Error("sources: audit a failed sync", "source", src.Name, "err", err)
		}
	}
	return run, nil
}

// ActionSyncFailed is the audit action of a sync run that failed or had
// failed entries.
const ActionSyncFailed = "source.sync_failed"

// lister builds src's Lister, refusing a URL outside the allowed networks
// unless src allows it.
func (e *Engine) lister(ctx context.Context, src Source) (Lister, error) {
	f, ok := e.cfg.Kinds[src.Kind]
	if !ok {
		return nil, fmt.Errorf("unknown kind %q", src.Kind)
	}
	if err := checkURL(ctx, src.URL, src.AllowRemote, e.cfg.Resolver); err != nil {
		return nil, err
	}
	creds, err := ReadCredentials(src.Credentials, e.cfg.Getenv)
	if err != nil {
		return nil, err
	}
	return f(Config{URL: src.URL, Settings: src.Settings, Creds: creds, Client: httpClient(src.AllowRemote, 10*time.Minute),
		FolderRoots: e.cfg.FolderRoots, AllowRemote: src.AllowRemote, Egress: sourceGuard(e.cfg.Resolver)})
}

// match applies the include (any, if given) and exclude (none) globs to
// an entry's key and to its name.
func match(include, exclude []string, key string) bool {
	hit := func(globs []string) bool {
		for _, g := range globs {
			if ok, _ := path.Match(g, path.Base(key)); ok {
				return true
			}
			if ok, _ := path.Match(g, key); ok {
				return true
			}
		}
		return false
	}
	return (len(include) == 0 || hit(include)) && !hit(exclude)
}

// URI is the source URI of an entry's document: the source and the key.
func URI(source, key string) string { return "source://" + source + "/" + key }

// title is what citations show for an entry: the source's title, with an
// OParl paper's reference and date, or "" for the file's own title.
func title(meta map[string]string) string {
	t := strings.TrimSpace(meta["title"])
	if ref := strings.TrimSpace(meta["reference"]); ref != "" {
		t = strings.TrimSpace(ref + " – " + t)
	}
	if d := strings.TrimSpace(meta["date"]); d != "" && t != "" {
		t += " (" + d + ")"
	}
	return t
}

func sorted(s []string) []string { slices.Sort(s); return s }

// stagedName is the last element of an entry's name, as the server
// chose it, made a file name: control bytes (NUL among them) replaced,
// and at most 200 bytes, keeping a short extension, which picks the
// extractor.
func stagedName(raw string) string {
	name := filepath.Base(filepath.Clean("/" + raw))
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return '_'
		}
		return r
	}, name)
	if name == "/" || name == "." || name == "" {
		return "entry"
	}
	if len(name) > 200 {
		ext := filepath.Ext(name)
		if len(ext) > 16 || !utf8.ValidString(ext) {
			ext = ""
		}
		head := name[:200-len(ext)]
		for i := 0; i < utf8.UTFMax-1 && !utf8.ValidString(head); i++ { // do not cut a character in two
			head = head[:len(head)-1]
		}
		name = head + ext
	}
	return name
}

// stage copies an entry into a new folder under dir, under its name, so
// that the ingest picks the extractor by its extension; at most max bytes
// (0: no limit).
func stage(dir string, e Entry, r io.Reader, max int64) (string, error) {
	name := stagedName(e.Name)
	sub, err := os.MkdirTemp(dir, "e")
	if err != nil {
		return "", err
	}
	p := filepath.Join(sub, name)
	f, err := os.OpenFile(p, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return "", err
	}
	if max > 0 {
		r = io.LimitReader(r, max+1)
	}
	n, err := io.Copy(f, r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && max > 0 && n > max {
		err = fmt.Errorf("larger than the limit of %d bytes", max)
	}
	return p, err
}
