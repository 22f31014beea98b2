package library

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/civitas-eu/civitas/internal/jobs"
	"github.com/civitas-eu/civitas/internal/store"
)

// Statuses users see for a document or a job.
const (
	StatusQueued     = "queued"
	StatusProcessing = "processing"
	StatusDone       = "done"
	StatusFailed     = "failed"
)

// JobView is a job as the library page shows it.
type JobView struct {
	ID         int64         `json:"id"`
	File       string        `json:"file"`
	Collection string        `json:"collection"`
	Status     string        `json:"status"` // queued, processing, done, failed
	Error      string        `json:"error"`
	Action     string        `json:"action"` // upload or reingest
	CreatedBy  string        `json:"created_by"`
	CreatedAt  time.Time     `json:"created_at"`
	UpdatedAt  time.Time     `json:"updated_at"`
	DocumentID *int64        `json:"document_id"`
	Progress   jobs.Progress `json:"progress"`
	Result     *Result       `json:"result,omitempty"`
}

func jobView(j jobs.Job) JobView {
	var a Args
	_ = json.Unmarshal(j.Args, &a) // a job of ours; an undecodable one shows its id and status
	v := JobView{ID: j.ID, File: a.File, Collection: a.Collection, Action: "upload", CreatedBy: j.CreatedBy,
		CreatedAt: j.CreatedAt, UpdatedAt: j.UpdatedAt, Progress: j.Progress}
	if a.Force {
		v.Action = "reingest"
	}
	switch j.Status {
	case jobs.StatusQueued:
		v.Status = StatusQueued
	case jobs.StatusRunning:
		v.Status = StatusProcessing
	case jobs.StatusDone:
		v.Status = StatusDone
	case jobs.StatusFailed:
		v.Status, v.Error = StatusFailed, j.Error
	case jobs.StatusCancelled:
		v.Status, v.Error = StatusFailed, "cancelled"
	}
	if a.Rejected != "" { // failed from the start, whether a worker has recorded it yet or not
		v.Status, v.Error = StatusFailed, a.Rejected
	}
	if a.DocumentID != 0 {
		v.DocumentID = &a.DocumentID
	}
	if res := recorded(j); res != nil {
		v.Result = res
		v.DocumentID = &res.DocumentID
	}
	return v
}

// DocumentView is a current document as the library page shows it.
type DocumentView struct {
	ID         int64     `json:"id"`
	Collection string    `json:"collection"`
	Source     string    `json:"source"`
	FileName   string    `json:"file_name"`
	Title      string    `json:"title"`
	MediaType  string    `json:"media_type"`
	Language   string    `json:"language"`
	Pages      *int      `json:"pages"`
	Chunks     int64     `json:"chunks"`
	Version    int       `json:"version"`
	Versions   int64     `json:"versions"`
	Groups     []string  `json:"groups"`
	SizeBytes  int64     `json:"size_bytes"`
	IngestedAt time.Time `json:"ingested_at"`
	Status     string    `json:"status"` // always done: queued and failed files are jobs
	Uploaded   bool      `json:"uploaded"`
	FileURL    string    `json:"file_url"`
}

// Listing is the library page's data.
type Listing struct {
	Collections []store.CollectionCount `json:"collections"`
	Documents   []DocumentView          `json:"documents"`
	Jobs        []JobView               `json:"jobs"`
}

// Limits of one listing.
const (
	maxListedDocuments = 5000
	maxListedJobs      = 100
	// jobsScanned bounds the recent jobs read to find a collection's; the
	// queue filters by kind only.
	jobsScanned = 1000
)

// List returns the collections, the current documents of collection (""
// for all) and its recent jobs, newest first. Every document is listed
// whatever its access groups: knowledge managers manage the whole library,
// including documents they could not retrieve in a chat themselves.
func (s *Service) List(ctx context.Context, collection string) (Listing, error) {
	l := Listing{Collections: []store.CollectionCount{}, Documents: []DocumentView{}, Jobs: []JobView{}}
	cols, err := s.store.LibraryCollections(ctx)
	if err != nil {
		return l, err
	}
	l.Collections = append(l.Collections, cols...)
	docs, err := s.store.LibraryDocuments(ctx, collection, maxListedDocuments)
	if err != nil {
		return l, err
	}
	for _, d := range docs {
		groups := d.AccessGroups
		if groups == nil {
			groups = []string{}
		}
		l.Documents = append(l.Documents, DocumentView{ID: d.ID, Collection: d.Collection, Source: d.SourceURI,
			FileName: filepath.Base(d.SourceURI), Title: d.Title, MediaType: d.MediaType, Language: d.Language,
			Pages: d.PageCount, Chunks: d.Chunks, Version: d.Version, Versions: d.Versions, Groups: groups,
			SizeBytes: d.SizeBytes, IngestedAt: d.IngestedAt, Status: StatusDone, Uploaded: s.uploaded(d.SourceURI),
			FileURL: fmt.Sprintf("/api/documents/%d/file", d.ID)})
	}
	js, err := s.queue.List(ctx, jobs.ListOptions{Kinds: []string{s.cfg.Kind}, Limit: jobsScanned})
	if err != nil {
		return l, fmt.Errorf("library: recent jobs: %w", err)
	}
	for _, j := range js {
		v := jobView(j)
		if collection != "" && v.Collection != collection {
			continue
		}
		if l.Jobs = append(l.Jobs, v); len(l.Jobs) == maxListedJobs {
			break
		}
	}
	return l, nil
}

// VersionView is one version of a document.
type VersionView struct {
	ID         int64     `json:"id"`
	Version    int       `json:"version"`
	SHA256     string    `json:"sha256"`
	Pages      *int      `json:"pages"`
	Chunks     int64     `json:"chunks"`
	SizeBytes  int64     `json:"size_bytes"`
	IngestedAt time.Time `json:"ingested_at"`
	Current    bool      `json:"current"`
}

// Versions returns every version of document id's source, newest first,
// or store.ErrNotFound.
func (s *Service) Versions(ctx context.Context, id int64) ([]VersionView, error) {
	vs, err := s.store.DocumentVersions(ctx, id)
	if err != nil {
		return nil, err
	}
	out := make([]VersionView, len(vs))
	for i, v := range vs {
		out[i] = VersionView{ID: v.ID, Version: v.Version, SHA256: hex.EncodeToString(v.ContentHash), Pages: v.PageCount,
			Chunks: v.Chunks, SizeBytes: v.SizeBytes, IngestedAt: v.IngestedAt, Current: v.Current}
	}
	return out, nil
}

// Reingest queues a forced re-ingest of the current version of document
// id from its source file, with its current access groups. It returns
// store.ErrNotFound for an unknown document and an InputError when the
// file is no longer there. A re-ingest already queued or running for the
// same file is returned instead of a second one.
func (s *Service) Reingest(ctx context.Context, id int64, user string) (JobView, error) {
	d, err := s.store.GetDocument(ctx, id)
	if err != nil {
		return JobView{}, err
	}
	if d.SupersededBy != nil {
		return JobView{}, inputErr("", "document %d is an old version; re-ingest the current one (id %d)", id, *d.SupersededBy)
	}
	// The messages name the file as users know it; the server path and
	// the system's error go to the log only.
	name := filepath.Base(d.SourceURI)
	a := Args{File: name, Collection: d.Collection, Groups: d.AccessGroups, Path: d.SourceURI, Force: true, DocumentID: d.ID}
	if a.Groups == nil {
		a.Groups = []string{}
	}
	// The version's original, from the store, on whichever replica; a
	// document ingested before the store existed, from its file.
	if ok, err := s.cfg.Originals.Has(ctx, d.ContentHash); err != nil {
		return JobView{}, fmt.Errorf("library: re-ingest of document %d: %w", id, err)
	} else if ok {
		a.Original = hex.EncodeToString(d.ContentHash)
		return s.enqueueReingest(ctx, d.Collection, a, user)
	}
	st, err := s.statSource(d.SourceURI)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		s.log.Info("library: re-ingest of a document whose file is gone", "document", id, "path", d.SourceURI)
		return JobView{}, inputErr("", "the file of %s is no longer on the server; upload it again", name)
	case err != nil:
		s.log.Warn("library: re-ingest: cannot read the document's file", "document", id, "path", d.SourceURI, "err", err)
		return JobView{}, inputErr("", "the file of %s cannot be read on the server", name)
	case !st.Mode().IsRegular():
		s.log.Warn("library: re-ingest: the document's file is not a regular file", "document", id, "path", d.SourceURI, "mode", st.Mode().String())
		return JobView{}, inputErr("", "the file of %s is not a regular file on the server", name)
	}
	return s.enqueueReingest(ctx, d.Collection, a, user)
}

// enqueueReingest queues a re-ingest, or returns the one waiting already.
func (s *Service) enqueueReingest(ctx context.Context, collection string, a Args, user string) (JobView, error) {
	j, err := s.queue.Enqueue(ctx, s.cfg.Kind, a, jobs.EnqueueOptions{CreatedBy: user, Unique: "reingest:" + collection + ":" + a.Path})
	if err != nil {
		return JobView{}, fmt.Errorf("library: queue re-ingest of document %d: %w", a.DocumentID, err)
	}
	return jobView(j), nil
}

// statSource stats a document's file. An uploaded file is looked at
// inside the upload directory without following a final symlink: uploads
// are never links, and one planted there must not be re-ingested.
func (s *Service) statSource(path string) (fs.FileInfo, error) {
	if !s.uploaded(path) {
		return os.Stat(path)
	}
	var st fs.FileInfo
	err := s.inUploads(func(root *os.Root, rel func(string) (string, error)) error {
		r, err := rel(path)
		if err == nil {
			st, err = root.Lstat(r)
		}
		return err
	})
	return st, err
}

// Delete removes document id with every version, chunk and embedding of
// its source, or returns store.ErrNotFound. The versions' originals are
// released from the store (deleted unless another current document has
// the same content), and a file this library stored in the upload
// directory before the store existed is deleted too; a file ingested
// from a folder by cmd/ingest stays where it is (the folder is the
// city's, mounted read-only), so the next ingest run of that folder adds
// it again unless it is removed there.
func (s *Service) Delete(ctx context.Context, id int64) error {
	d, err := s.store.GetDocument(ctx, id)
	if err != nil {
		return err
	}
	// The path lock is taken before the rows go: a job on the same file
	// (which holds it while it ingests and places its file) finishes
	// first, so its version is deleted with the others and its file
	// removed, instead of reappearing after the delete.
	unlock := s.lockPath(d.SourceURI)
	defer unlock()
	vs, err := s.store.DocumentVersions(ctx, id)
	if err != nil {
		return err
	}
	source, err := s.store.DeleteDocument(ctx, id)
	if err != nil {
		return err
	}
	for _, v := range vs {
		if _, err := s.cfg.Originals.Release(ctx, v.ContentHash); err != nil {
			s.log.Warn("library: document deleted but its original could not be released", "document", v.ID, "err", err)
		}
	}
	if s.uploaded(source) {
		// Inside the upload directory only: a collection folder linked
		// elsewhere does not make the delete remove a file out there.
		err := s.inUploads(func(root *os.Root, rel func(string) (string, error)) error {
			r, err := rel(source)
			if err != nil {
				return err
			}
			return root.Remove(r)
		})
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			s.log.Warn("library: document deleted but its file could not be removed", "path", source, "err", err)
		}
	}
	return nil
}
