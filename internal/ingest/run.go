package ingest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/civitas-eu/civitas/internal/ollama"
	"github.com/civitas-eu/civitas/internal/store"
)

// run holds the state of one Run.
type run struct {
	*Ingester
	opts         Options
	collectionID int64
	model        store.EmbeddingModel

	mu       sync.Mutex
	report   Report
	seen     map[string]bool // files found, for --prune
	deferred []fileRef       // files another process held a claim on
	rootsOK  map[string]bool // roots that could be walked, for --prune

	stored int             // chunks written by this run, for bulkAfterChunks
	bulk   *store.BulkLoad // set once the run became a bulk load (storeStage)
}

// Run ingests opts.Roots and returns the report. Problems with single files
// are reported in it and never stop the run; an error is returned only
// when the run as a whole cannot go on (the database or Ollama is gone, the
// embedding model is missing, ctx was cancelled) — documents finished
// before that stay stored.
func (in *Ingester) Run(ctx context.Context, opts Options) (*Report, error) {
	start := time.Now()
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	r := &run{Ingester: in, opts: opts, seen: map[string]bool{}, rootsOK: map[string]bool{}}
	for _, root := range opts.Roots {
		if abs, err := filepath.Abs(root); err == nil {
			if _, err := os.Stat(abs); err == nil {
				r.rootsOK[abs] = true
			}
		}
	}
	r.report.DryRun = opts.DryRun
	r.report.Files = []FileResult{}
	if r.collectionID, err = in.store.EnsureCollection(ctx, opts.Collection); err != nil {
		return nil, err
	}
	if !opts.DryRun && !opts.LexicalOnly {
		if r.model, err = in.registerModel(ctx, opts.EmbedModel); err != nil {
			return nil, err
		}
	}

	if !opts.DryRun {
		if n, err := in.store.ReleaseStaleClaims(ctx, r.collectionID, r.ownerDead); err != nil {
			return nil, err
		} else if n > 0 {
			in.log.Info("released claims left by stopped ingest processes", "claims", n)
		}
	}

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stopRenew := in.renewClaims(ctx, opts.Lease)
	defer stopRenew()

	err = r.pipeline(ctx, cancel)
	if err == nil {
		err = r.finishDeferred(ctx, cancel)
	}
	if err := r.finishBulkLoad(ctx); err != nil {
		return &r.report, err
	}
	if err != nil {
		return &r.report, err
	}
	if opts.Prune {
		if err := r.prune(ctx); err != nil {
			return &r.report, err
		}
	}
	if err := in.catchUp(ctx, opts); err != nil {
		return &r.report, err
	}
	r.report.Duration = time.Since(start).Seconds()
	return &r.report, nil
}

// catchUp runs the ingest again, for the new model's vectors only, when
// the active embedding model changed during the run (Options.ActiveEmbedModel).
func (in *Ingester) catchUp(ctx context.Context, opts Options) error {
	if opts.ActiveEmbedModel == nil || opts.DryRun || opts.LexicalOnly {
		return nil
	}
	now, err := opts.ActiveEmbedModel(ctx)
	if err != nil || now == "" || now == opts.EmbedModel {
		return err
	}
	in.log.Info("the active embedding model changed during the run; adding its vectors", "from", opts.EmbedModel, "to", now)
	opts.EmbedModel, opts.Force, opts.Prune, opts.ActiveEmbedModel = now, false, false, nil
	if _, err := in.Run(ctx, opts); err != nil {
		return fmt.Errorf("add vectors of %s: %w", now, err)
	}
	return nil
}

// registerModel asks Ollama for the model's dimension (failing fast, with
// the model's name and the server, if it is not installed) and records the
// model with its HNSW index.
//
// With Ingester.RememberModels set, a model this Ingester registered
// within that time is not asked again: internal/sources runs one ingest
// per changed entry, and the probe would otherwise be an Ollama round
// trip per file.
func (in *Ingester) registerModel(ctx context.Context, name string) (store.EmbeddingModel, error) {
	in.mu.Lock()
	c, ok := in.models[name]
	in.mu.Unlock()
	if ok && time.Since(c.at) < in.RememberModels {
		return c.model, nil
	}
	m, err := in.probeModel(ctx, name)
	if err == nil {
		in.mu.Lock()
		in.models[name] = registered{model: m, at: time.Now()}
		in.mu.Unlock()
	}
	return m, err
}

// registered is a model registerModel recorded, and when.
type registered struct {
	model store.EmbeddingModel
	at    time.Time
}

func (in *Ingester) probeModel(ctx context.Context, name string) (store.EmbeddingModel, error) {
	dims, err := in.embedder.EmbeddingDimensions(ctx, name)
	if err != nil {
		return store.EmbeddingModel{}, fmt.Errorf("embedding model %s: %w", name, err)
	}
	digest := ""
	if info, err := in.embedder.Show(ctx, name); err == nil {
		digest = info.Digest
	}
	return in.store.RegisterEmbeddingModel(ctx, name, dims, digest)
}

// renewClaims extends this process's leases every third of a lease until
// the returned function is called.
func (in *Ingester) renewClaims(ctx context.Context, lease time.Duration) func() {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(lease / 3)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				if err := in.store.RenewClaims(ctx, in.owner, lease); err != nil {
					in.log.Warn("could not renew ingest claims", "err", err)
				}
			}
		}
	})
	return func() { close(done); wg.Wait() }
}

// fatal reports whether an error means the run cannot go on: the
// dependencies are down or the model is missing, so every further file
// would fail the same way.
func fatal(err error) bool {
	return errors.Is(err, ollama.ErrUnavailable) || errors.Is(err, ollama.ErrModelNotFound) ||
		errors.Is(err, errDatabase)
}

// errDatabase marks a failure of the database rather than of a file.
var errDatabase = errors.New("database error")

// pipeline walks the roots and feeds what it finds to pipelineFrom.
func (r *run) pipeline(ctx context.Context, cancel context.CancelCauseFunc) error {
	refs := make(chan fileRef, 64)
	w := &walker{include: r.opts.Include, exclude: r.opts.Exclude, as: r.opts.SourceURI}
	go w.walk(ctx, r.opts.Roots, refs)
	return r.pipelineFrom(ctx, cancel, refs)
}

// pipelineFrom runs prepare (Workers) → embed → store over refs, connected
// by small buffered channels so that the stages overlap and memory stays
// bounded by the channel sizes, whatever the corpus size. It drains refs.
func (r *run) pipelineFrom(ctx context.Context, cancel context.CancelCauseFunc, refs <-chan fileRef) error {
	toEmbed := make(chan *job, r.opts.Workers)
	toStore := make(chan *job, 2)
	g, gctx := errgroup.WithContext(ctx)
	var prep sync.WaitGroup
	for range r.opts.Workers {
		prep.Go(func() {
			for ref := range refs {
				if gctx.Err() != nil {
					continue // drain, so the walker can finish
				}
				j, res, err := r.prepare(gctx, ref)
				if err != nil {
					cancel(err)
					continue
				}
				if res != nil {
					r.finish(*res, j)
					continue
				}
				if j != nil && !send(gctx, toEmbed, j) {
					r.release(j)
				}
			}
		})
	}
	g.Go(func() error { prep.Wait(); close(toEmbed); return nil })
	g.Go(func() error { return r.embedStage(gctx, toEmbed, toStore) })
	g.Go(func() error { return r.storeStage(gctx, toStore) })
	err := g.Wait()
	if cause := context.Cause(ctx); err == nil && cause != nil {
		err = cause
	}
	return err
}

// finish records a file's result and releases its claim.
func (r *run) finish(res FileResult, j *job) {
	if j != nil {
		r.release(j)
	}
	r.mu.Lock()
	r.report.add(res)
	r.mu.Unlock()
	if r.Progress != nil {
		r.Progress.fileDone(res)
	}
	if res.Status == StatusFailed {
		r.log.Warn("file failed", "path", res.Path, "reason", res.Reason)
	} else {
		r.log.Debug("file done", "path", res.Path, "status", res.Status, "chunks", res.Chunks)
	}
}

func (r *run) release(j *job) {
	if !j.claimed {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := r.store.ReleaseClaim(ctx, r.collectionID, j.ref.Path, r.owner); err != nil {
		r.log.Warn("could not release claim; it expires by itself", "path", j.ref.Path, "err", err)
	}
	j.claimed = false
}

// ownerDead reports whether a claim's owner is a process on this host that
// no longer exists, so its claim can be taken over at once.
func (r *run) ownerDead(o store.Owner) bool {
	// Another owner in this very process (a second Ingester, as the web
	// upload jobs use) is alive by definition; an earlier process that had
	// our PID is rare enough to wait for its lease.
	if o.Host != r.owner.Host || o.PID == r.owner.PID {
		return false
	}
	err := syscall.Kill(o.PID, 0)
	return errors.Is(err, syscall.ESRCH)
}

// finishDeferred waits for files another process was working on: when it
// finishes, they are unchanged for us; when it died, its leases expire and
// we do them. Polling is bounded by the lease.
func (r *run) finishDeferred(ctx context.Context, cancel context.CancelCauseFunc) error {
	deadline := time.Now().Add(r.opts.Lease + 5*time.Second)
	for len(r.deferred) > 0 {
		refs := r.deferred
		r.deferred = nil
		if time.Now().After(deadline) {
			for _, ref := range refs {
				r.finish(FileResult{Path: ref.Path, Status: StatusFailed,
					Reason: "another ingest process kept working on this file; run again later"}, nil)
			}
			return nil
		}
		t := time.NewTimer(500 * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		r.opts.Roots = nil
		ch := make(chan fileRef, len(refs))
		for _, ref := range refs {
			ch <- ref
		}
		close(ch)
		if err := r.pipelineFrom(ctx, cancel, ch); err != nil {
			return err
		}
	}
	return nil
}

// prune removes the documents of the collection whose files are gone from
// roots that were walked. A root that could not be read is left alone: an
// unmounted share must not wipe its documents.
func (r *run) prune(ctx context.Context) error {
	for root := range r.rootsOK {
		prefix := root
		if st, err := os.Stat(root); err == nil && st.IsDir() && !strings.HasSuffix(prefix, string(filepath.Separator)) {
			prefix += string(filepath.Separator)
		}
		refs, err := r.store.CurrentSourcesUnder(ctx, r.collectionID, prefix)
		if err != nil {
			return err
		}
		for _, ref := range refs {
			if r.seen[ref.SourceURI] {
				continue
			}
			if !r.opts.DryRun {
				if _, err := r.store.DeleteDocument(ctx, ref.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
					return err
				}
			}
			r.finish(FileResult{Path: ref.SourceURI, Status: StatusRemoved, Reason: "file no longer exists"}, nil)
		}
	}
	return nil
}
