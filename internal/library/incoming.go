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
// the files and queuing them. The assistant calls it at start-up.
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
	return removed, nil
}

// dropIncoming removes the upload of a job whose run ended with err when
// the job ends there: failed for good (a permanent error, or the last
// attempt) or cancelled. A job given back on shutdown or taken over by
// another worker keeps its file for the next run.
func (s *Service) dropIncoming(ctx context.Context, j jobs.Job, a Args, err error) {
	if err == nil || a.Incoming == "" {
		return
	}
	final := jobs.IsPermanent(err) || (ctx.Err() == nil && j.Attempts >= j.MaxAttempts)
	if !final && ctx.Err() != nil {
		gctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		cur, gerr := s.queue.Get(gctx, j.ID)
		final = gerr == nil && cur.Status == jobs.StatusCancelled
	}
	if !final {
		return
	}
	if rerr := os.Remove(a.Incoming); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
		s.log.Warn("library: cannot remove the upload of an ended job", "job", j.ID, "path", a.Incoming, "err", rerr)
	}
}
