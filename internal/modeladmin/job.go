package modeladmin

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/civitas-eu/civitas/internal/audit"
	"github.com/civitas-eu/civitas/internal/jobs"
	"github.com/civitas-eu/civitas/internal/ollama"
)

// JobReembed is the job kind of a background re-embed.
const JobReembed = "models.reembed"

// reembedUnique allows one re-embed at a time, whatever its model: two
// would compete for Ollama and race to flip the active model.
const reembedUnique = "models.reembed"

// ReembedArgs are the arguments of a re-embed job.
type ReembedArgs struct {
	Model string `json:"model"`
	By    string `json:"by"`
	// Force: the admin confirmed a switch the golden questions held.
	Force bool `json:"force,omitempty"`
}

// StartReembed checks that name can embed (PrepareEmbed) and queues the
// re-embed that makes it the active embedding model. While one is queued
// or running, asking again for the same model returns that job, and
// asking for another model is refused.
func (s *Service) StartReembed(ctx context.Context, name, by string) (jobs.Job, error) {
	return s.startReembed(ctx, name, by, false)
}

// ConfirmReembed queues the re-embed of name that switches even though the
// golden questions fare worse with it: the admin's confirmation of a
// switch the guard held, recorded in the audit trail.
func (s *Service) ConfirmReembed(ctx context.Context, name, by string) (jobs.Job, error) {
	j, err := s.startReembed(ctx, name, by, true)
	if err != nil {
		return j, err
	}
	return j, s.record(ctx, ActionEmbedSwitchForced, ollama.CanonicalName(name), map[string]string{"job": strconv.FormatInt(j.ID, 10)})
}

func (s *Service) startReembed(ctx context.Context, name, by string, force bool) (jobs.Job, error) {
	if s.queue == nil {
		return jobs.Job{}, errors.New("models: no job queue: run the re-embed inline")
	}
	m, err := s.PrepareEmbed(ctx, name)
	if err != nil {
		return jobs.Job{}, err
	}
	j, err := s.queue.Enqueue(ctx, JobReembed, ReembedArgs{Model: m.Name, By: by, Force: force},
		jobs.EnqueueOptions{CreatedBy: by, MaxAttempts: 5, Unique: reembedUnique})
	if err != nil {
		return j, fmt.Errorf("models: queue re-embed with %s: %w", m.Name, err)
	}
	var a ReembedArgs
	if err := j.DecodeArgs(&a); err == nil && a.Model != m.Name {
		return j, refused(nil, "a re-embed with %s is already %s (job %d): wait for it or cancel it", a.Model, j.Status, j.ID)
	}
	s.log.Info("re-embed queued", "model", m.Name, "job", j.ID, "by", by)
	return j, s.record(ctx, audit.ActionReembedQueued, m.Name, map[string]string{"job": strconv.FormatInt(j.ID, 10)})
}

// LatestReembed returns the most recent re-embed job, or nil when there
// has been none.
func (s *Service) LatestReembed(ctx context.Context) (*jobs.Job, error) {
	if s.queue == nil {
		return nil, nil
	}
	js, err := s.queue.List(ctx, jobs.ListOptions{Kinds: []string{JobReembed}, Limit: 1})
	if err != nil {
		return nil, fmt.Errorf("models: %w", err)
	}
	if len(js) == 0 {
		return nil, nil
	}
	return &js[0], nil
}

// runReembedJob is the queue's handler for JobReembed. A job taken over
// after a crash simply runs Reembed again, which skips every chunk that
// already has its vector.
func (s *Service) runReembedJob(ctx context.Context, j jobs.Job, r *jobs.Reporter) error {
	var a ReembedArgs
	if err := j.DecodeArgs(&a); err != nil {
		return err
	}
	res, err := s.ReembedWith(ctx, ollama.CanonicalName(a.Model), a.By, ReembedOptions{Force: a.Force}, r.Progress)
	var re *RefusedError
	if errors.As(err, &re) {
		return jobs.Permanent(err) // the model went away or changed: retrying will not help
	}
	if err != nil {
		return err
	}
	return r.SetResult(ctx, res)
}
