package sources

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/civitas-eu/civitas/internal/ingest"
	"github.com/civitas-eu/civitas/internal/store"
)

// run lists src, ingests what is new or changed and prunes what
// disappeared, filling in r. A listing that failed removes nothing; an
// entry that failed is retried next run (its item is not recorded); an
// error is returned only when the run as a whole could not go on.
func (e *Engine) run(ctx context.Context, src Source, r *Run) error {
	l, err := e.lister(ctx, src)
	if err != nil {
		return err
	}
	// The listing contract (source.go): entries with ErrIncomplete are
	// ingested but nothing is pruned; keys the lister reports as failed
	// keep what the collection holds for them.
	entries, err := l.List(ctx)
	incomplete := errors.Is(err, ErrIncomplete)
	if err != nil && !incomplete {
		return fmt.Errorf("listing failed, nothing removed: %w", err)
	}
	listErr := err
	failedKeys := map[string]bool{}
	if fr, ok := l.(FailureReporter); ok {
		for _, f := range fr.Failures() {
			failedKeys[f.Key] = true
			r.Failed++
			r.Failures = append(r.Failures, f)
		}
	}
	items, err := e.st.items(ctx, src.ID)
	if err != nil {
		return err
	}
	collID, err := e.cfg.Docs.EnsureCollection(ctx, src.Collection)
	if err != nil {
		return err
	}
	base, err := e.cfg.Options(ctx)
	if err != nil {
		return err
	}
	staging, err := os.MkdirTemp("", "civitas-source-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(staging)

	listed := map[string]bool{}
	work := make(chan Entry)
	var mu sync.Mutex
	var fatal error
	note := func(f func()) { mu.Lock(); f(); mu.Unlock() }
	var wg sync.WaitGroup
	for range e.cfg.Workers {
		wg.Go(func() {
			for ent := range work {
				status, chunks, reason, err := e.entry(ctx, src, l, collID, items, base, staging, ent)
				note(func() {
					switch {
					case err != nil:
						if fatal == nil {
							fatal = err
						}
					case status == ingest.StatusAdded:
						r.Added++
					case status == ingest.StatusUpdated:
						r.Updated++
					case status == ingest.StatusUnchanged:
						r.Unchanged++
					default:
						r.Failed++
						r.Failures = append(r.Failures, Failure{Key: ent.Key, Reason: reason})
					}
					r.Chunks += chunks
				})
			}
		})
	}
	for _, ent := range entries {
		if !match(src.Include, src.Exclude, ent.Key) {
			continue
		}
		listed[ent.Key] = true
		mu.Lock()
		stop := fatal != nil
		mu.Unlock()
		if stop || ctx.Err() != nil {
			break
		}
		work <- ent
	}
	close(work)
	wg.Wait()
	if fatal != nil {
		return fatal
	}
	if err := context.Cause(ctx); err != nil {
		return err
	}
	if incomplete {
		return fmt.Errorf("%w: %v", errListingIncomplete, listErr)
	}
	for key := range failedKeys {
		listed[key] = true // kept: a failure is no disappearance
	}
	return e.prune(ctx, src, collID, items, listed, r)
}

// entry syncs one entry: unchanged by its token when the collection still
// holds its document, else read and ingested (the ingest skips content
// whose hash it holds). err is set for a failure of the whole run.
func (e *Engine) entry(ctx context.Context, src Source, l Lister, collID int64, items map[string]item,
	base ingest.Options, staging string, ent Entry) (status string, chunks int, reason string, err error) {
	uri := URI(src.Name, ent.Key)
	if it, ok := items[ent.Key]; ok && ent.Token != "" && it.token == ent.Token && it.uri == uri {
		_, err := e.cfg.Docs.Current(ctx, collID, uri)
		if err == nil {
			return ingest.StatusUnchanged, 0, "", nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return "", 0, "", err
		}
	}
	if _, ok := items[ent.Key]; !ok {
		// Not this source's yet: a document at its URI was left by a
		// removed source of the same name. Taking it over would let the
		// new source's owner rewrite (or, by dropping the entry, prune) a
		// document whose groups they did not choose; the same groups are
		// no such gain, and let a run that crashed before recording the
		// entry converge.
		cur, err := e.cfg.Docs.Current(ctx, collID, uri)
		switch {
		case err == nil && !cur.SameAccess(src.Groups):
			return ingest.StatusFailed, 0, "the collection holds a document at " + uri +
				" from an earlier source of this name, with other access groups; an admin must remove it first", nil
		case err != nil && !errors.Is(err, store.ErrNotFound):
			return "", 0, "", err
		}
	}
	rc, err := l.Open(ctx, ent)
	if err != nil {
		if ctx.Err() != nil {
			return "", 0, "", context.Cause(ctx)
		}
		return ingest.StatusFailed, 0, "read: " + err.Error(), nil
	}
	file, err := stage(staging, ent, rc, base.Extract.MaxBytes)
	rc.Close()
	if file != "" {
		defer os.RemoveAll(filepath.Dir(file))
	}
	if err != nil {
		if ctx.Err() != nil {
			return "", 0, "", context.Cause(ctx)
		}
		return ingest.StatusFailed, 0, "read: " + err.Error(), nil
	}
	o := base
	o.Roots, o.SourceURI, o.Collection, o.Groups = []string{file}, uri, src.Collection, src.Groups
	o.Title, o.Meta, o.Prune, o.Workers = title(ent.Meta), ent.Meta, false, 1
	rep, err := e.cfg.Ingester.Run(ctx, o)
	if err != nil {
		return "", 0, "", fmt.Errorf("ingest %s: %w", ent.Key, err)
	}
	if len(rep.Files) != 1 {
		return ingest.StatusFailed, 0, "the ingest saw no file", nil
	}
	res := rep.Files[0]
	if res.Status == ingest.StatusFailed {
		return res.Status, 0, res.Reason, nil
	}
	if _, err := e.st.db.Exec(ctx, e.st.q.Get("PutItem"), src.ID, ent.Key, ent.Token, uri); err != nil {
		return "", 0, "", fmt.Errorf("sources: record %s: %w", ent.Key, err)
	}
	return res.Status, res.Chunks, "", nil
}

// prune removes the documents of items the listing no longer has (or
// that the globs now leave out).
func (e *Engine) prune(ctx context.Context, src Source, collID int64, items map[string]item, listed map[string]bool, r *Run) error {
	for key, it := range items {
		if listed[key] {
			continue
		}
		cur, err := e.cfg.Docs.Current(ctx, collID, it.uri)
		switch {
		case errors.Is(err, store.ErrNotFound):
		case err != nil:
			return err
		default:
			if _, err := e.cfg.Docs.DeleteDocument(ctx, cur.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
			r.Removed++
		}
		if _, err := e.st.db.Exec(ctx, e.st.q.Get("DeleteItem"), src.ID, key); err != nil {
			return fmt.Errorf("sources: forget %s: %w", key, err)
		}
	}
	return nil
}
