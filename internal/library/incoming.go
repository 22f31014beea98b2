package library

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/civitas-eu/civitas/internal/jobs"
	"github.com/civitas-eu/civitas/internal/originals"
)

// incomingMaxAge is how old a file in .incoming that no queued or running
// job names must be before SweepIncoming removes it: older than any
// upload request still between Receive and Enqueue.
const incomingMaxAge = 24 * time.Hour

// maxSweptJobs bounds the queued and running jobs read by SweepIncoming;
// with more, it removes nothing rather than a file a job still needs.
const maxSweptJobs = 100000

// SweepIncoming removes the files of .incoming that no queued or running
// job names and that are older than a day: uploads of jobs cancelled
// before they ran, and of requests whose process died between receiving
// the files and queuing them; and originals in the database whose writer
// died before finishing them, a day old. The assistant calls it at
// start-up.
func (s *Service) SweepIncoming(ctx context.Context) (int, error) {
	js, err := s.queue.List(ctx, jobs.ListOptions{Kinds: []string{s.cfg.Kind},
		Statuses: []string{jobs.StatusQueued, jobs.StatusRunning}, Limit: maxSweptJobs})
	if err != nil {
		return 0, fmt.Errorf("library: sweep uploads: %w", err)
	}
	if len(js) == maxSweptJobs {
		return 0, fmt.Errorf("library: sweep uploads: more than %d jobs waiting; nothing removed", maxSweptJobs)
	}
	waiting := map[string]bool{}
	for _, j := range js {
		var a Args
		if j.DecodeArgs(&a) == nil && a.Incoming != "" {
			waiting[filepath.Clean(a.Incoming)] = true
		}
	}
	entries, err := os.ReadDir(s.incoming)
	if err != nil {
		return 0, fmt.Errorf("library: sweep uploads: %w", err)
	}
	removed := 0
	for _, e := range entries {
		path := filepath.Join(s.incoming, e.Name())
		info, err := e.Info()
		if err != nil || !info.Mode().IsRegular() || waiting[path] || time.Since(info.ModTime()) < incomingMaxAge {
			continue
		}
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			s.log.Warn("library: cannot remove a stale upload", "path", path, "err", err)
			continue
		}
		removed++
	}
	// Originals whose writer died mid-file (the database store only).
	if sw, ok := s.cfg.Originals.(interface {
		SweepUnfinished(context.Context, time.Duration) (int64, error)
	}); ok {
		if _, err := sw.SweepUnfinished(ctx, incomingMaxAge); err != nil {
			s.log.Warn("library: cannot sweep unfinished originals", "err", err)
		}
	}
	return removed, nil
}

// ended removes the upload of a job that has ended for good (the queue
// calls it only then): failed, cancelled, or done, when the file has been
// moved into place already. A job given back on shutdown, waiting for a
// retry or taken over by another worker keeps its file for the next run.
//
// A job's original in the store is released: deleted unless a current
// document was made from it (a failed or cancelled upload's file goes; a
// stored one stays).
func (s *Service) ended(ctx context.Context, j jobs.Job, _ string) {
	var a Args
	if j.DecodeArgs(&a) != nil {
		return
	}
	if a.Original != "" {
		if hash, err := originals.ParseHash(a.Original); err == nil {
			if _, err := s.cfg.Originals.Release(ctx, hash); err != nil {
				s.log.Warn("library: cannot release the original of an ended job", "job", j.ID, "err", err)
			}
		}
	}
	if a.Incoming == "" {
		return
	}
	if err := os.Remove(a.Incoming); err != nil && !errors.Is(err, fs.ErrNotExist) {
		s.log.Warn("library: cannot remove the upload of an ended job", "job", j.ID, "path", a.Incoming, "err", err)
	}
}
