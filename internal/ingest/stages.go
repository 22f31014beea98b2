package ingest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/civitas-eu/civitas/internal/store"
)

// pending is a text waiting in the embedding batch, and where its vector
// goes.
type pending struct {
	j   *job
	idx int
}

// embedStage embeds the texts of incoming jobs in batches of BatchSize that
// may span documents (many small documents still make full requests), and
// passes each job on once all its vectors are in. When no job is waiting,
// it sends a partial batch rather than let the store stage idle.
func (r *run) embedStage(ctx context.Context, in <-chan *job, out chan<- *job) error {
	defer close(out)
	var batch []pending
	remaining := map[*job]int{}
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		texts := make([]string, len(batch))
		for i, p := range batch {
			texts[i] = p.j.texts[p.idx]
		}
		vecs, err := r.embedder.Embed(ctx, r.model.Name, texts)
		if err != nil {
			return fmt.Errorf("embed %d chunks with %s: %w", len(texts), r.model.Name, err)
		}
		for i, p := range batch {
			p.j.vectors[p.idx] = vecs[i]
			remaining[p.j]--
			if remaining[p.j] == 0 {
				delete(remaining, p.j)
				if !send(ctx, out, p.j) {
					return ctx.Err()
				}
			}
		}
		if r.Progress != nil {
			r.Progress.embedded(len(batch))
		}
		batch = batch[:0]
		return nil
	}
	for {
		var j *job
		var ok bool
		if len(batch) > 0 {
			select {
			case j, ok = <-in:
			default: // nothing waiting: send what we have
				if err := flush(); err != nil {
					return r.abandon(err, in, remaining)
				}
				continue
			}
		} else {
			select {
			case j, ok = <-in:
			case <-ctx.Done():
				return r.abandon(ctx.Err(), in, remaining)
			}
		}
		if !ok {
			if err := flush(); err != nil {
				return r.abandon(err, in, remaining)
			}
			return nil
		}
		if len(j.texts) == 0 {
			if !send(ctx, out, j) {
				return r.abandon(ctx.Err(), in, remaining)
			}
			continue
		}
		j.vectors = make([][]float32, len(j.texts))
		remaining[j] = len(j.texts)
		for i := range j.texts {
			batch = append(batch, pending{j: j, idx: i})
			if len(batch) >= r.opts.BatchSize {
				if err := flush(); err != nil {
					return r.abandon(err, in, remaining)
				}
			}
		}
	}
}

// abandon reports the jobs still in the embedding stage as failed when the
// embedder gives up, releases their claims, and drains the input so the
// prepare workers are not left blocked. A missing model or an unreachable
// Ollama ends the run; other errors are the failure of those documents.
func (r *run) abandon(err error, in <-chan *job, remaining map[*job]int) error {
	reason := err.Error()
	for j := range remaining {
		r.finish(FileResult{Path: j.ref.Path, Status: StatusFailed, Reason: reason, Pages: j.pages}, j)
	}
	for j := range in {
		r.finish(FileResult{Path: j.ref.Path, Status: StatusFailed, Reason: "not embedded: " + reason, Pages: j.pages}, j)
	}
	if fatal(err) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return nil
}

// maxStoreBatch and maxStoreBatchChunks bound the documents the store
// stage writes in one transaction: many small documents then cost one
// commit instead of one each, while one failing document makes the stage
// rewrite only a few others one by one.
const (
	maxStoreBatch       = 16
	maxStoreBatchChunks = 2000
)

// storeStage writes the embedded jobs: those already waiting together in
// one transaction (never waiting for more, so a lone document is written
// at once), each on its own when the batch fails.
func (r *run) storeStage(ctx context.Context, in <-chan *job) error {
	for j := range in {
		batch, chunks := []*job{j}, len(j.chunks)
	gather:
		for len(batch) < maxStoreBatch && chunks < maxStoreBatchChunks {
			select {
			case next, ok := <-in:
				if !ok {
					break gather
				}
				batch, chunks = append(batch, next), chunks+len(next.chunks)
			default:
				break gather
			}
		}
		if err := r.storeBatch(ctx, batch); err != nil {
			return err
		}
	}
	return nil
}

// storeBatch writes the new versions among jobs in one transaction and
// everything else (vectors filled in for a new model, or a batch that
// failed) one job at a time.
func (r *run) storeBatch(ctx context.Context, jobs []*job) error {
	var versions []*job
	for _, j := range jobs {
		if len(j.fillIDs) == 0 && ctx.Err() == nil {
			versions = append(versions, j)
		}
	}
	if len(versions) > 1 {
		nvs := make([]store.NewVersion, len(versions))
		for i, j := range versions {
			nvs[i] = r.newVersion(j)
		}
		if docs, err := r.store.WriteVersions(ctx, nvs); err == nil {
			for i, j := range versions {
				r.finish(FileResult{Path: j.ref.Path, Status: j.status, Pages: j.pages, Chunks: len(j.chunks),
					Language: j.doc.Language, DocumentID: docs[i].ID}, j)
			}
			jobs = slices.DeleteFunc(jobs, func(j *job) bool { return slices.Contains(versions, j) })
		}
		// On failure, every job is written again alone below, so that the
		// error is reported for the document that caused it.
	}
	for _, j := range jobs {
		if err := r.storeOne(ctx, j); err != nil {
			return err
		}
	}
	return r.maybeBulkLoad(ctx, jobs)
}

// bulkAfterChunks is how many chunks a run writes before it becomes a bulk
// load: from there on, when the model's partition is still small
// (store.BeginBulkLoad), the vectors are written without the HNSW index,
// which is built once when the run ends. A small incremental run never
// drops the index that searches are using.
const bulkAfterChunks = 2000

// maybeBulkLoad counts the chunks written and starts the bulk load once
// there are bulkAfterChunks of them.
func (r *run) maybeBulkLoad(ctx context.Context, jobs []*job) error {
	for _, j := range jobs {
		r.stored += len(j.chunks) + len(j.fillIDs)
	}
	if r.bulk != nil || r.stored < bulkAfterChunks || r.model.ID == 0 || ctx.Err() != nil {
		return nil
	}
	load, err := r.store.BeginBulkLoad(ctx, r.model)
	if err != nil {
		return fmt.Errorf("%w: %w", errDatabase, err)
	}
	r.bulk = load
	if load.Dropped {
		r.log.Info("bulk load: vectors are written first, the HNSW index is built when the run ends", "model", r.model.Name)
	}
	return nil
}

// finishBulkLoad builds the index a bulk load dropped and compacts the
// full-text statistics the run's writes added to, also when the run failed
// or was cancelled (what was written is kept, and searches need both).
func (r *run) finishBulkLoad(ctx context.Context) error {
	if r.stored == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Hour)
	defer cancel()
	if r.bulk != nil {
		if err := r.bulk.Finish(ctx); err != nil {
			return fmt.Errorf("%w: %w", errDatabase, err)
		}
	}
	if _, err := r.store.CompactTermStats(ctx); err != nil {
		return fmt.Errorf("%w: %w", errDatabase, err)
	}
	return nil
}

func (r *run) newVersion(j *job) store.NewVersion {
	return store.NewVersion{Document: j.doc, Chunks: j.chunks, Vectors: j.vectors, Model: r.model, Previous: j.prev}
}

// storeOne writes one embedded job in its own transaction.
func (r *run) storeOne(ctx context.Context, j *job) error {
	if ctx.Err() != nil {
		r.release(j)
		return nil
	}
	res := FileResult{Path: j.ref.Path, Status: j.status, Pages: j.pages, Chunks: len(j.chunks), Language: j.doc.Language}
	var err error
	if len(j.fillIDs) > 0 {
		err = r.store.UpsertEmbeddings(ctx, r.model, j.fillIDs, j.vectors)
		res.Reason = fmt.Sprintf("embedded %d chunks for model %s", len(j.fillIDs), r.model.Name)
		res.Chunks, res.DocumentID = 0, j.prev.ID
	} else {
		var doc store.Document
		doc, err = r.store.WriteVersion(ctx, r.newVersion(j))
		res.DocumentID = doc.ID
	}
	if err != nil {
		res = FileResult{Path: j.ref.Path, Status: StatusFailed, Reason: err.Error(), Pages: j.pages}
		if !errors.Is(err, store.ErrConflict) && !errors.Is(err, store.ErrDimensionMismatch) {
			r.finish(res, j)
			return fmt.Errorf("%w: %w", errDatabase, err)
		}
	}
	r.finish(res, j)
	return nil
}
