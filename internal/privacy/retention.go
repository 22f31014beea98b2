package privacy

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/civitas-eu/civitas/internal/audit"
	"github.com/civitas-eu/civitas/internal/jobs"
)

// JobKind is the kind of the scheduled retention job.
const JobKind = "retention"

// RetentionResult is what one retention run did.
type RetentionResult struct {
	Cutoff        time.Time `json:"cutoff"` // records older than this were due
	Action        string    `json:"action"`
	Days          int       `json:"days"`
	Conversations int64     `json:"conversations"`
	Answers       int64     `json:"answers"`
	Feedback      int64     `json:"feedback"`
	// Jobs counts finished background jobs deleted: they name who
	// started them, and nothing needs them once they are old.
	Jobs int64 `json:"jobs"`
	// PersonalRemoved lists the answer.created audit events whose
	// personal part (asker, question) expired.
	PersonalRemoved []int64 `json:"personal_removed"`
}

// RunRetention pseudonymises or deletes the conversations and answer
// records that are older than the retention period at now, deletes
// finished background jobs older than it, and records
// the run in the audit trail, all in one transaction: a run that fails
// leaves everything as it was, and running again finds only what is still
// due. With a retention of 0 days it does nothing and records nothing.
func (s *Service) RunRetention(ctx context.Context, now time.Time) (RetentionResult, error) {
	res := RetentionResult{Action: s.cfg.Action, Days: s.cfg.Days, PersonalRemoved: []int64{}}
	if s.cfg.Days <= 0 {
		return res, nil
	}
	res.Cutoff = now.Add(-time.Duration(s.cfg.Days) * 24 * time.Hour).UTC()
	// Pseudonyms need the key, read outside the transaction: on PGlite a
	// second connection would wait for the transaction to end.
	if _, err := s.pseudonymKey(ctx); err != nil {
		return res, err
	}
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		var answerIDs []int64
		var err error
		if s.cfg.Action == ActionDelete {
			answerIDs, err = s.deleteDue(ctx, tx, &res)
		} else {
			answerIDs, err = s.pseudonymiseDue(ctx, tx, &res)
		}
		if err != nil {
			return err
		}
		if res.Jobs, err = jobs.DeleteFinishedBefore(ctx, tx, res.Cutoff); err != nil {
			return err
		}
		targets := make([]string, len(answerIDs))
		for i, id := range answerIDs {
			targets[i] = fmt.Sprintf("answer:%d", id)
		}
		if res.PersonalRemoved, err = audit.ExpireAnswerPersonal(ctx, tx, res.Cutoff, targets); err != nil {
			return err
		}
		_, err = audit.Append(audit.WithActor(ctx, "system:retention"), tx, audit.Event{
			Action: audit.ActionRetentionRun, Target: "retention",
			Details: map[string]any{
				"cutoff": res.Cutoff, "action": res.Action, "days": res.Days, "conversations": res.Conversations,
				"answers": res.Answers, "feedback": res.Feedback, "jobs": res.Jobs, audit.PersonalRemovedKey: res.PersonalRemoved,
			},
		})
		return err
	})
	if err != nil {
		return res, fmt.Errorf("privacy: retention run (%s after %d days): %w", s.cfg.Action, s.cfg.Days, err)
	}
	return res, nil
}

// deleteDue deletes what is due and returns the ids of the answers it
// removed.
func (s *Service) deleteDue(ctx context.Context, tx pgx.Tx, res *RetentionResult) ([]int64, error) {
	ids, conversations, err := s.st.DeleteRecordsBefore(ctx, tx, res.Cutoff)
	if err != nil {
		return nil, err
	}
	res.Answers, res.Conversations = int64(len(ids)), conversations
	return ids, nil
}

// pseudonymiseDue pseudonymises what is due, user by user, and returns the
// ids of the answers it changed.
func (s *Service) pseudonymiseDue(ctx context.Context, tx pgx.Tx, res *RetentionResult) ([]int64, error) {
	rows, err := tx.Query(ctx, s.q.Get("DueUsers"), res.Cutoff)
	if err != nil {
		return nil, fmt.Errorf("find users with records before %s: %w", res.Cutoff, err)
	}
	users, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("find users with records before %s: %w", res.Cutoff, err)
	}
	var all []int64
	for _, u := range users {
		p, err := s.Pseudonym(ctx, u) // the key is loaded: no query
		if err != nil {
			return nil, err
		}
		done, err := s.st.PseudonymiseRecords(ctx, tx, u, p, res.Cutoff)
		if err != nil {
			return nil, err
		}
		all = append(all, done.AnswerIDs...)
		res.Conversations += done.Conversations
		res.Feedback += done.Feedback
	}
	res.Answers = int64(len(all))
	return all, nil
}

// Handler is the retention job, one at a time; it is safe to run again
// after a crash, as a run is one transaction.
func (s *Service) Handler() jobs.Registration {
	return jobs.Registration{Kind: JobKind, Concurrency: 1, Handler: s.runRetentionJob}
}

func (s *Service) runRetentionJob(ctx context.Context, _ jobs.Job, r *jobs.Reporter) error {
	res, err := s.RunRetention(ctx, time.Now())
	if err != nil {
		return err
	}
	s.log.Info("retention run", "action", res.Action, "cutoff", res.Cutoff, "conversations", res.Conversations,
		"answers", res.Answers, "jobs", res.Jobs, "audit_personal_removed", len(res.PersonalRemoved))
	return r.SetResult(ctx, res)
}

// Schedule enqueues a retention job now and then every interval until ctx
// ends. The job is unique: replicas that schedule at the same time add
// one job, not several. It does nothing when retention is off.
func (s *Service) Schedule(ctx context.Context, q *jobs.Queue, interval time.Duration) {
	if s.cfg.Days <= 0 {
		return
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := q.Enqueue(ctx, JobKind, struct{}{}, jobs.EnqueueOptions{CreatedBy: "system:retention", Unique: JobKind}); err != nil && ctx.Err() == nil {
			s.log.Warn("could not schedule the retention job; trying again at the next interval", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
