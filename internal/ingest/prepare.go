package ingest

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/civitas-eu/civitas/internal/chunk"
	"github.com/civitas-eu/civitas/internal/extract"
	"github.com/civitas-eu/civitas/internal/lang"
	"github.com/civitas-eu/civitas/internal/store"
)

// job is one document on its way through the pipeline.
type job struct {
	ref     fileRef
	claimed bool
	status  string // StatusAdded or StatusUpdated; StatusUnchanged when only filling vectors
	prev    *store.CurrentVersion

	doc    store.Document
	chunks []store.Chunk
	pages  int

	// texts are embedded into vectors, one per text. For a new version
	// they belong to chunks (by index); for an unchanged document missing
	// vectors of the model, to fillIDs.
	texts   []string
	vectors [][]float32
	fillIDs []int64
}

// prepare takes a file as far as it goes without the embedder: skip it when
// unchanged, claim it, extract, detect the language and chunk. It returns
// either a job to embed and store, or a final result; err is set only for
// failures of the whole run (database).
func (r *run) prepare(ctx context.Context, ref fileRef) (*job, *FileResult, error) {
	r.mu.Lock()
	r.seen[ref.Path] = true
	r.mu.Unlock()
	if r.Progress != nil {
		r.Progress.fileFound()
	}
	fail := func(err error) *FileResult {
		return &FileResult{Path: ref.Path, Status: StatusFailed, Reason: err.Error()}
	}
	if ref.Err != nil {
		return nil, fail(ref.Err), nil
	}
	if max := r.opts.Extract.MaxBytes; max > 0 && ref.Size > max {
		return nil, fail(fmt.Errorf("%w: %d bytes, limit %d (raise --max-size)", extract.ErrTooLarge, ref.Size, max)), nil
	}
	data, err := ref.read()
	if err != nil {
		return nil, fail(fmt.Errorf("read file: %w", err)), nil
	}
	sum := sha256.Sum256(data)
	j := &job{ref: ref, status: StatusAdded}

	prev, err := r.store.Current(ctx, r.collectionID, ref.Path)
	switch {
	case errors.Is(err, store.ErrNotFound):
		// Moved elsewhere by a metadata change: adding it here again
		// would be a copy with this run's groups, undoing the move.
		to, err := r.store.MovedAway(ctx, r.opts.Collection, ref.Path)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: %w", errDatabase, err)
		}
		if to != "" {
			return nil, &FileResult{Path: ref.Path, Status: StatusUnchanged,
				Reason: fmt.Sprintf("skipped: moved to collection %q by a metadata change; ingest it there", to)}, nil
		}
	case err != nil:
		return nil, nil, fmt.Errorf("%w: %w", errDatabase, err)
	default:
		j.prev, j.status = &prev, StatusUpdated
		if prev.Unchanged(sum[:]) && !r.opts.Force {
			return r.unchanged(ctx, j)
		}
	}
	if !r.opts.DryRun {
		res, err := r.store.Claim(ctx, r.collectionID, ref.Path, r.owner, r.opts.Lease, r.ownerDead)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: %w", errDatabase, err)
		}
		if !res.Taken {
			r.mu.Lock()
			r.deferred = append(r.deferred, ref)
			r.mu.Unlock()
			r.log.Info("another ingest process is working on this file; coming back to it", "path", ref.Path, "holder", res.Holder.ID)
			return nil, nil, nil
		}
		j.claimed = true
		// Another process may have stored this file between our first look
		// and the claim: look again, now that nobody else can.
		if done, res, err := r.recheck(ctx, j, sum[:]); done {
			return j, res, err
		}
	}

	doc, err := extract.Bytes(ctx, ref.Path, data, r.extractOptions())
	if err != nil {
		return j, fail(err), nil
	}
	data = nil // the text is all we keep; let the bytes go before chunking
	j.pages = doc.Pages
	language := r.language(doc)
	chunks := chunk.Split(doc.Blocks, r.opts.Chunk)
	if len(chunks) == 0 {
		return j, fail(fmt.Errorf("%w: the file has no text to index", extract.ErrNoText)), nil
	}
	j.doc = r.document(ref, doc, sum[:], language)
	if j.prev != nil && j.prev.KeepsChange(r.opts.Groups) {
		// A new version keeps an admin's metadata change (title, groups)
		// unless this run's groups differ from those it was ingested with.
		c := j.prev.Change
		j.doc.Title, j.doc.AccessGroups = c.Title, c.AccessGroups
		if j.doc.Metadata == nil {
			j.doc.Metadata = map[string]any{}
		}
		j.doc.Metadata["metadata_change"] = c
	}
	j.chunks = make([]store.Chunk, len(chunks))
	for i, c := range chunks {
		j.chunks[i] = store.Chunk{PageStart: pagePtr(c.PageStart), PageEnd: pagePtr(c.PageEnd),
			HeadingPath: c.HeadingPath, Content: c.Text, TokenCount: c.Tokens}
		if !r.opts.LexicalOnly {
			j.texts = append(j.texts, embeddingText(j.doc.Title, c))
		}
	}
	if r.Progress != nil {
		r.Progress.parsed(doc.Pages, len(chunks))
	}
	if r.opts.DryRun {
		return j, &FileResult{Path: ref.Path, Status: j.status, Reason: "dry run: nothing written",
			Pages: j.pages, Chunks: len(chunks), Language: language}, nil
	}
	return j, nil, nil
}

// recheck reads the current version again after the claim was taken. It
// reports done when the file turned out unchanged.
func (r *run) recheck(ctx context.Context, j *job, sum []byte) (bool, *FileResult, error) {
	prev, err := r.store.Current(ctx, r.collectionID, j.ref.Path)
	switch {
	case errors.Is(err, store.ErrNotFound):
		j.prev, j.status = nil, StatusAdded
		return false, nil, nil
	case err != nil:
		return true, nil, fmt.Errorf("%w: %w", errDatabase, err)
	}
	j.prev, j.status = &prev, StatusUpdated
	if prev.Unchanged(sum) && !r.opts.Force {
		// Unchanged: finished, or (res nil) only vectors to fill in.
		_, res, err := r.unchanged(ctx, j)
		return true, res, err
	}
	return false, nil, nil
}

// unchanged finishes a file whose content is already stored: nothing to do,
// unless the current embedding model has no vectors for some of its chunks
// (after a model switch, or a run stopped between storing and embedding in
// an older version), which are then embedded.
//
// New access groups for the same content are a change all the same: the
// current version gets them in place (audited), without a new version or
// re-embedding, and is reported updated.
func (r *run) unchanged(ctx context.Context, j *job) (*job, *FileResult, error) {
	res := &FileResult{Path: j.ref.Path, Status: StatusUnchanged, DocumentID: j.prev.ID}
	j.status = StatusUnchanged
	if !j.prev.SameAccess(r.opts.Groups) && !j.prev.KeepsChange(r.opts.Groups) {
		res.Status, res.Reason, j.status = StatusUpdated, "access groups changed", StatusUpdated
		if r.opts.DryRun {
			res.Reason, res.DocumentID = "dry run: access groups would change", 0
			return nil, res, nil
		}
		err := r.store.UpdateAccess(ctx, *j.prev, r.opts.Groups)
		if errors.Is(err, store.ErrConflict) {
			return nil, &FileResult{Path: j.ref.Path, Status: StatusFailed, Reason: err.Error()}, nil
		}
		if err != nil {
			return nil, nil, fmt.Errorf("%w: %w", errDatabase, err)
		}
	}
	if r.opts.DryRun || r.opts.LexicalOnly {
		return nil, res, nil
	}
	missing, err := r.store.ChunksMissingEmbedding(ctx, j.prev.ID, r.model)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", errDatabase, err)
	}
	if len(missing) == 0 {
		return nil, res, nil
	}
	for _, c := range missing {
		j.fillIDs = append(j.fillIDs, c.ID)
		j.texts = append(j.texts, c.Content)
	}
	return j, nil, nil
}

func (r *run) extractOptions() extract.Options {
	o := r.opts.Extract
	if r.opts.Language != "" {
		if t := lang.Tesseract(r.opts.Language); t != "" {
			o.OCRLanguages = append([]string{t}, o.OCRLanguages...)
		}
	}
	return o
}

// language picks the document's language: forced by --language, declared
// by the file, or detected from its text; "" when unsure.
func (r *run) language(doc *extract.Document) string {
	if r.opts.Language != "" {
		return r.opts.Language
	}
	if doc.Language != "" {
		return strings.ToLower(doc.Language)
	}
	var sample strings.Builder
	for _, b := range doc.Blocks {
		if sample.Len() > 20000 {
			break
		}
		sample.WriteString(b.Text)
		sample.WriteByte('\n')
	}
	code, _ := lang.Detect(sample.String())
	return code
}

func (r *run) document(ref fileRef, doc *extract.Document, hash []byte, language string) store.Document {
	title := strings.TrimSpace(doc.Title)
	if title == "" {
		title = strings.TrimSuffix(filepath.Base(ref.Path), filepath.Ext(ref.Path))
	}
	if t := strings.TrimSpace(r.opts.Title); t != "" {
		title = t
	}
	meta := map[string]any{"file_name": filepath.Base(ref.Path)}
	for k, v := range r.opts.Meta {
		if k != "file_name" && v != "" {
			meta[k] = v
		}
	}
	if len(doc.Warnings) > 0 {
		meta["warnings"] = doc.Warnings
	}
	ocr := 0
	lastOCR := -1
	for _, b := range doc.Blocks {
		if b.OCR && b.Page != lastOCR {
			ocr++
			lastOCR = b.Page
		}
	}
	if ocr > 0 {
		meta["ocr_pages"] = ocr
	}
	d := store.Document{
		Collection: r.opts.Collection, SourceURI: ref.Path, Title: title, MediaType: doc.MediaType,
		Language: language, TSConfig: lang.TSConfig(language), ContentHash: hash, SizeBytes: ref.Size,
		AccessGroups: r.opts.Groups, Metadata: meta,
	}
	if !ref.ModTime.IsZero() { // the walker's stat: no second look at the file
		mt := ref.ModTime.UTC()
		d.SourceModifiedAt = &mt
	}
	if doc.Pages > 0 {
		p := doc.Pages
		d.PageCount = &p
	}
	return d
}

// embeddingText is what the embedding model sees for a chunk: the
// document title and heading path give a short passage the context that
// the stored text (shown to users as a snippet) does not repeat.
func embeddingText(title string, c chunk.Chunk) string {
	var b strings.Builder
	b.WriteString(title)
	for _, h := range c.HeadingPath {
		b.WriteString(" > ")
		b.WriteString(h)
	}
	b.WriteString("\n")
	b.WriteString(c.Text)
	return b.String()
}

func pagePtr(p int) *int {
	if p <= 0 {
		return nil
	}
	return &p
}
