package ingest

import (
	"context"
	"errors"
	"fmt"

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

// storeStage writes each embedded job in its own transaction.
func (r *run) storeStage(ctx context.Context, in <-chan *job) error {
	for j := range in {
		if ctx.Err() != nil {
			r.release(j)
			continue
		}
		res := FileResult{Path: j.ref.Path, Status: j.status, Pages: j.pages, Chunks: len(j.chunks), Language: j.doc.Language}
		var err error
		if len(j.fillIDs) > 0 {
			err = r.store.UpsertEmbeddings(ctx, r.model, j.fillIDs, j.vectors)
			res.Reason = fmt.Sprintf("embedded %d chunks for model %s", len(j.fillIDs), r.model.Name)
			res.Chunks, res.DocumentID = 0, j.prev.ID
		} else {
			var doc store.Document
			doc, err = r.store.WriteVersion(ctx, store.NewVersion{Document: j.doc, Chunks: j.chunks, Vectors: j.vectors, Model: r.model, Previous: j.prev})
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
	}
	return nil
}
