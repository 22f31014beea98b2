package library

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/civitas-eu/civitas/internal/ingest"
	"github.com/civitas-eu/civitas/internal/jobs"
	"github.com/civitas-eu/civitas/internal/originals"
)

// Args are a job's arguments.
type Args struct {
	File       string   `json:"file"` // the name users see
	Collection string   `json:"collection"`
	Groups     []string `json:"groups"`
	// Path is the document's source URI: the file that is ingested.
	Path string `json:"path,omitempty"`
	// Original is the SHA-256 (hex) under which the file to ingest is in
	// the originals store: an upload's, or a re-ingested document's.
	Original string `json:"original,omitempty"`
	// Incoming, for an upload queued before originals were kept in the
	// store, is where the file waits until the job moves it to Path.
	Incoming string `json:"incoming,omitempty"`
	// Force re-processes the file even when its content is unchanged (a
	// re-ingest).
	Force bool `json:"force,omitempty"`
	// DocumentID is the document a re-ingest was asked for.
	DocumentID int64 `json:"document_id,omitempty"`
	// Rejected is why the upload was refused; the job only records it.
	Rejected string `json:"rejected,omitempty"`
}

// Result is what a finished job records.
type Result struct {
	DocumentID int64  `json:"document_id"`
	Outcome    string `json:"outcome"` // ingest's added, updated or unchanged
	Pages      int    `json:"pages"`
	Chunks     int    `json:"chunks"`
	Language   string `json:"language,omitempty"`
}

// handle runs one job: ingest the file, then, for an upload, move it
// from .incoming to its document path. An upload is ingested where it
// waits, under its document path as source URI, and moved only once its
// version is stored: a file that fails leaves the current version's
// original in place, and a job run again ingests its own bytes, never
// those another upload of the same name has moved into place since.
//
// It is safe to run again after its worker died at any point: ingest
// finds content already stored (by hash, under a claim) and writes no
// second version, and a job whose result is recorded and whose file is
// gone from .incoming has finished. A file that cannot be read fails the
// job at once; a failure of Ollama or the database is retried by the
// queue. The upload waits in .incoming until the queue reports the job
// ended (ended).
func (s *Service) handle(ctx context.Context, j jobs.Job, rep *jobs.Reporter) error {
	var a Args
	if err := j.DecodeArgs(&a); err != nil {
		return err
	}
	return s.run(ctx, j, a, rep)
}

// run is one run of job j with arguments a.
func (s *Service) run(ctx context.Context, j jobs.Job, a Args, rep *jobs.Reporter) error {
	if a.Rejected != "" {
		return jobs.Permanent(errors.New(a.Rejected))
	}
	if a.Path == "" || a.Collection == "" {
		return jobs.Permanent(fmt.Errorf("job %d names no file or collection", j.ID))
	}
	unlock := s.lockPath(a.Path)
	defer unlock()
	_ = rep.Progress(ctx, 0, 1, "processing "+a.File)

	from, done, err := s.source(ctx, j, a)
	if err != nil || done {
		return err
	}
	if a.Original != "" {
		defer os.Remove(from)
	} else if from != a.Path {
		// The folder the upload goes to is made (inside the upload
		// directory) before its version is stored, so that a folder that
		// cannot be used fails the job with nothing stored.
		if err := s.inUploads(func(root *os.Root, rel func(string) (string, error)) error {
			dst, err := rel(a.Path)
			if err != nil {
				return err
			}
			return root.MkdirAll(filepath.Dir(dst), 0o750)
		}); err != nil {
			return s.unstorable(a, err)
		}
	}
	model, err := s.cfg.EmbedModel(ctx)
	if err != nil {
		return fmt.Errorf("embedding model: %w", err)
	}
	opts := ingest.Options{Roots: []string{from}, Collection: a.Collection, Groups: a.Groups, Force: a.Force,
		Workers: 1, EmbedModel: model, ActiveEmbedModel: s.cfg.EmbedModel, Extract: s.extractOptions()}
	if from != a.Path {
		opts.SourceURI = a.Path
	}
	report, err := s.ingester.Run(ctx, opts)
	if err != nil {
		return fmt.Errorf("ingest %s: %w", a.File, err)
	}
	if len(report.Files) != 1 {
		return jobs.Permanent(fmt.Errorf("%s: ingest saw %d files instead of one", a.File, len(report.Files)))
	}
	res := report.Files[0]
	if res.Status == ingest.StatusFailed {
		return jobs.Permanent(errors.New(userReason(strings.ReplaceAll(res.Reason, from, a.Path), a)))
	}
	if res.DocumentID == 0 {
		return fmt.Errorf("ingest of %s reported %s but no document", a.File, res.Status)
	}
	out := Result{DocumentID: res.DocumentID, Outcome: res.Status, Pages: res.Pages, Chunks: res.Chunks, Language: res.Language}
	// The result is recorded before the move, so that a run finding the
	// incoming file gone knows that this one got that far.
	if err := rep.SetResult(ctx, out); err != nil {
		return err
	}
	if a.Original == "" && from != a.Path {
		if err := s.place(from, a); err != nil {
			return err
		}
	}
	_ = rep.Progress(ctx, 1, 1, res.Status)
	return nil
}

// source returns the file a job ingests: a copy of its original from the
// originals store (checked against its hash; the caller removes it), or,
// for jobs of before the store, an upload's incoming file or the
// document's own. done reports an upload that an earlier run of the job
// stored and moved into place already.
func (s *Service) source(ctx context.Context, j jobs.Job, a Args) (path string, done bool, err error) {
	if a.Original != "" {
		// The result is recorded once the version is stored: a run that
		// finds it has nothing left to do.
		if recorded(j) != nil {
			return "", true, nil
		}
		return s.spool(ctx, a)
	}
	path = a.Path
	if a.Incoming != "" {
		path = a.Incoming
	}
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist) && a.Incoming != "" && recorded(j) != nil:
		return "", true, nil
	case errors.Is(err, fs.ErrNotExist):
		return "", false, jobs.Permanent(fmt.Errorf("%s: file is gone: the file is no longer on the server; upload it again", a.File))
	case err != nil:
		return "", false, fmt.Errorf("%s: %w", a.File, err)
	case !st.Mode().IsRegular():
		return "", false, jobs.Permanent(fmt.Errorf("%s is not a regular file", a.File))
	}
	return path, false, nil
}

// spool copies a job's original out of the store for the ingest.
func (s *Service) spool(ctx context.Context, a Args) (string, bool, error) {
	hash, err := originals.ParseHash(a.Original)
	if err != nil {
		return "", false, jobs.Permanent(err)
	}
	f, err := originals.Spool(ctx, s.cfg.Originals, hash, s.incoming)
	switch {
	case errors.Is(err, originals.ErrNotFound):
		return "", false, jobs.Permanent(fmt.Errorf("%s: file is gone: the file is no longer on the server; upload it again", a.File))
	case errors.Is(err, originals.ErrCorrupt):
		return "", false, jobs.Permanent(fmt.Errorf("%s: the stored file is damaged; upload it again", a.File))
	case err != nil:
		return "", false, fmt.Errorf("%s: %w", a.File, err)
	}
	f.Close()
	return f.Name(), false, nil
}

// recorded returns the result an earlier run of j recorded, or nil.
func recorded(j jobs.Job) *Result {
	var r Result
	if len(j.Result) == 0 || json.Unmarshal(j.Result, &r) != nil || r.DocumentID == 0 {
		return nil
	}
	return &r
}

// place moves an ingested upload from .incoming to its document path,
// over the previous version's file, inside the upload directory: a
// symlink planted there (a collection folder linked elsewhere) is not
// followed out of it.
func (s *Service) place(from string, a Args) error {
	err := s.inUploads(func(root *os.Root, rel func(string) (string, error)) error {
		src, err := rel(from)
		if err != nil {
			return err
		}
		dst, err := rel(a.Path)
		if err != nil {
			return err
		}
		if err := root.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
			return fmt.Errorf("create folder: %w", err)
		}
		return root.Rename(src, dst)
	})
	if err != nil {
		return s.unstorable(a, err)
	}
	return nil
}

// unstorable fails the job of a file whose folder in the upload directory
// cannot be used (a collection folder replaced by a symlink, no space,
// no permission). The job's reason is shown on the library page, so it
// says what the user can act on; the error itself, with server paths and
// system calls ("mkdirat …: path escapes from parent"), goes to the log.
func (s *Service) unstorable(a Args, err error) error {
	s.log.Warn("upload cannot be stored", "file", a.File, "collection", a.Collection, "path", a.Path, "err", err)
	return jobs.Permanent(fmt.Errorf("%s cannot be stored: its collection folder on the server cannot be used (invalid collection folder); ask an administrator", a.File))
}

// inUploads runs fn with the upload directory opened as an os.Root, and
// rel, which gives a path's name inside it (an error for a path outside).
func (s *Service) inUploads(fn func(root *os.Root, rel func(string) (string, error)) error) error {
	root, err := os.OpenRoot(s.cfg.UploadDir)
	if err != nil {
		return err
	}
	defer root.Close()
	return fn(root, func(path string) (string, error) {
		r, err := filepath.Rel(s.cfg.UploadDir, path)
		if err != nil || !filepath.IsLocal(r) {
			return "", fmt.Errorf("%s is not inside the upload directory", path)
		}
		return r, nil
	})
}

// userReason words ingest's failure for the library page: the server path
// becomes the file name, which is what the user knows the file by.
func userReason(reason string, a Args) string {
	reason = strings.ReplaceAll(reason, "extract "+a.Path+": ", a.File+": ")
	reason = strings.ReplaceAll(reason, a.Path, a.File)
	if a.Incoming != "" {
		reason = strings.ReplaceAll(reason, a.Incoming, a.File)
	}
	if a.Original != "" {
		reason = strings.ReplaceAll(reason, a.Original, a.File)
	}
	if !strings.Contains(reason, a.File) {
		reason = a.File + ": " + reason
	}
	return reason
}
