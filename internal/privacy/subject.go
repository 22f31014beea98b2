package privacy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/civitas-eu/civitas/internal/audit"
	"github.com/civitas-eu/civitas/internal/jobs"
)

// AuditEntry is an audit event that names the user, as exported to them.
type AuditEntry struct {
	ID      int64           `json:"id"`
	At      time.Time       `json:"at"`
	Action  string          `json:"action"`
	Target  string          `json:"target"`
	Details json.RawMessage `json:"details"`
	Actor   string          `json:"actor"`
	Subject string          `json:"subject,omitempty"`
	Data    json.RawMessage `json:"data"`
}

// Export is everything stored about one user (GDPR art. 15 and 20).
type Export struct {
	User       string    `json:"user"`
	Pseudonym  string    `json:"pseudonym"` // their records after retention carry this name
	ExportedAt time.Time `json:"exported_at"`
	// Whole rows of their conversations, answer records and feedback,
	// pseudonymised ones included.
	Conversations json.RawMessage `json:"conversations"`
	Answers       json.RawMessage `json:"answers"`
	Feedback      json.RawMessage `json:"feedback"`
	// Sign-in data: API keys issued to them (no hashes) and their
	// browser sessions (no tokens).
	APIKeys  json.RawMessage `json:"api_keys"`
	Sessions json.RawMessage `json:"sessions"`
	// Background jobs they started or that name them, the changes of
	// the active models they made, and the active models they last set:
	// whole rows.
	Jobs         json.RawMessage `json:"jobs"`
	ModelChanges json.RawMessage `json:"model_changes"`
	ActiveModels json.RawMessage `json:"active_models"`
	// Audit events they did or that concern them, with their personal
	// part.
	Audit []AuditEntry `json:"audit"`
}

// Erasure is what erasing a user removed.
type Erasure struct {
	Pseudonym     string `json:"pseudonym"`
	Conversations int64  `json:"conversations"`
	Answers       int64  `json:"answers"`
	Feedback      int64  `json:"feedback"`
	Sessions      int64  `json:"sessions"`
	APIKeys       int64  `json:"api_keys"`
	// Rows kept but now naming the user by pseudonym.
	Jobs            int64   `json:"jobs"`
	ModelChanges    int64   `json:"model_changes"`
	ActiveModels    int64   `json:"active_models"`
	PersonalRemoved []int64 `json:"audit_personal_removed"`
	// Audit events naming the user that keep their personal part: those
	// on legal hold (audit.OnLegalHold), such as the admin actions they
	// took.
	PersonalKept []int64 `json:"audit_personal_kept"`
	AuditID      int64   `json:"audit_id"` // the subject.erased event
}

// ErrSelfErasure is returned when the one erasing a user is that user:
// erasure removes records of what a person did, so an administrator may
// not erase themselves; another administrator must.
var ErrSelfErasure = errors.New("privacy: nobody may erase their own data: another administrator must do it")

// isSelf reports whether actor (audit.ActorFrom) is the subject user
// (whose pseudonym is pseud): the actor is a person by their name, or by
// a command run by the operating-system user of that name ("cli:alice",
// audit.CommandActor); the subject is that person when it is their name
// or their pseudonym, either way round. Comparing only the actor with
// the subject's pseudonym let "alice" erase "pseud-<alice's pseudonym>",
// the rows kept under her own pseudonym.
func (s *Service) isSelf(ctx context.Context, actor, user, pseud string) (bool, error) {
	persons := []string{actor}
	for i, c := range actor { // "cli:alice": alice (any prefix, as before)
		if c == ':' && i+1 < len(actor) {
			persons = append(persons, actor[i+1:])
		}
	}
	for _, p := range persons {
		if p == user || p == pseud {
			return true, nil
		}
		own, err := s.Pseudonym(ctx, p)
		if err != nil {
			return false, err
		}
		if own == user {
			return true, nil
		}
	}
	return false, nil
}

func validUser(user string) error {
	if strings.TrimSpace(user) == "" {
		return fmt.Errorf("privacy: no user named")
	}
	return nil
}

// ExportSubject collects everything stored about user and records the
// export (by the actor in ctx) in the audit trail.
func (s *Service) ExportSubject(ctx context.Context, user string) (Export, error) {
	if err := validUser(user); err != nil {
		return Export{}, err
	}
	names, pseud, err := s.names(ctx, user)
	if err != nil {
		return Export{}, err
	}
	ex := Export{User: user, Pseudonym: pseud, ExportedAt: time.Now().UTC(), Audit: []AuditEntry{}}
	for _, x := range []struct {
		query, what string
		into        *json.RawMessage
	}{
		{"ExportConversations", "conversations", &ex.Conversations},
		{"ExportAnswers", "answers", &ex.Answers},
		{"ExportFeedback", "feedback", &ex.Feedback},
		{"ExportAPIKeys", "API keys", &ex.APIKeys},
		{"ExportSessions", "sessions", &ex.Sessions},
		{"ExportJobs", "jobs", &ex.Jobs},
		{"ExportModelChanges", "model changes", &ex.ModelChanges},
		{"ExportActiveModels", "active models", &ex.ActiveModels},
	} {
		var v string
		if err := s.db.QueryRow(ctx, s.q.Get(x.query), names).Scan(&v); err != nil {
			return ex, fmt.Errorf("privacy: export %s of %s: %w", x.what, user, err)
		}
		*x.into = json.RawMessage(v)
	}
	err = audit.Each(ctx, s.db, audit.Filter{People: names}, func(r audit.Record) error {
		ex.Audit = append(ex.Audit, AuditEntry{ID: r.ID, At: r.At, Action: r.Action, Target: r.Target, Details: r.Details,
			Actor: r.Personal.Actor, Subject: r.Personal.Subject, Data: r.Personal.Data})
		return nil
	})
	if err != nil {
		return ex, fmt.Errorf("privacy: export audit events of %s: %w", user, err)
	}
	_, err = audit.Append(ctx, s.db, audit.Event{
		// The record of the request is kept when the user is erased
		// (legal hold): it names them by pseudonym, like subject.erased.
		Action: audit.ActionSubjectExported, Target: "subject:" + pseud, Subject: pseud,
		Details: map[string]int{"conversations": jsonLen(ex.Conversations), "answers": jsonLen(ex.Answers),
			"feedback": jsonLen(ex.Feedback), "api_keys": jsonLen(ex.APIKeys), "sessions": jsonLen(ex.Sessions),
			"jobs": jsonLen(ex.Jobs), "model_changes": jsonLen(ex.ModelChanges), "active_models": jsonLen(ex.ActiveModels),
			"audit_events": len(ex.Audit)},
	})
	if err != nil {
		return ex, fmt.Errorf("privacy: record export of %s: %w", user, err)
	}
	return ex, nil
}

func jsonLen(raw json.RawMessage) int {
	var v []json.RawMessage
	_ = json.Unmarshal(raw, &v)
	return len(v)
}

// EraseSubject deletes everything stored about user (GDPR art. 17): their
// conversations, answer records and feedback, pseudonymised ones
// included, their sign-in sessions (signing them out) and the API keys
// issued to them (which stop working at once), and the personal part of
// every audit event they did or that concerns them. Records that must
// stay for others — API keys they issued, background jobs they started,
// model switches they made — name them by pseudonym instead. Audit events themselves stay (they cannot be changed)
// and still verify; the erasure is recorded as a subject.erased event
// that names the user only by pseudonym and lists the emptied events. It
// is one transaction.
//
// Two limits keep the trail accountable. Events on legal hold
// (audit.OnLegalHold: admin actions, document changes, data-subject
// requests, reads of the trail) keep their personal part, so an erased
// administrator is still named as the actor of what they did. And nobody
// erases themselves (ErrSelfErasure): the actor in ctx must be someone
// other than user, so erasing an administrator takes another one.
func (s *Service) EraseSubject(ctx context.Context, user string) (Erasure, error) {
	if err := validUser(user); err != nil {
		return Erasure{}, err
	}
	names, pseud, err := s.names(ctx, user)
	if err != nil {
		return Erasure{}, err
	}
	if self, err := s.isSelf(ctx, audit.ActorFrom(ctx), user, pseud); err != nil {
		return Erasure{}, err
	} else if self {
		return Erasure{}, ErrSelfErasure
	}
	er := Erasure{Pseudonym: pseud}
	err = pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		// Each owner of the tables changes its own rows, in this one
		// transaction (sqlfile.TableOwners).
		st, err := s.st.EraseUser(ctx, tx, user, pseud)
		if err != nil {
			return err
		}
		er.Feedback, er.Answers, er.Conversations, er.Sessions, er.APIKeys = st.Feedback, st.Answers, st.Conversations, st.Sessions, st.APIKeys
		er.ModelChanges, er.ActiveModels = st.ModelChanges, st.ActiveModels
		if er.Jobs, err = jobs.PseudonymiseUser(ctx, tx, user, pseud); err != nil {
			return err
		}
		if er.PersonalRemoved, er.PersonalKept, err = audit.ErasePersonal(ctx, tx, names); err != nil {
			return err
		}
		rec, err := audit.Append(ctx, tx, audit.Event{
			Action: audit.ActionSubjectErased, Target: "subject:" + pseud,
			Details: map[string]any{"conversations": er.Conversations, "answers": er.Answers, "feedback": er.Feedback,
				"sessions": er.Sessions, "api_keys": er.APIKeys, "jobs": er.Jobs, "model_changes": er.ModelChanges,
				"active_models": er.ActiveModels, audit.PersonalRemovedKey: er.PersonalRemoved,
				"audit_personal_kept": len(er.PersonalKept)},
		})
		er.AuditID = rec.ID
		return err
	})
	if err != nil {
		return Erasure{}, fmt.Errorf("privacy: erase %s: %w", pseud, err)
	}
	return er, nil
}
