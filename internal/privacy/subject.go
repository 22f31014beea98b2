package privacy

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/civitas-eu/civitas/internal/audit"
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
	AuditID         int64   `json:"audit_id"` // the subject.erased event
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
		Action: audit.ActionSubjectExported, Target: "subject:" + pseud, Subject: user,
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
func (s *Service) EraseSubject(ctx context.Context, user string) (Erasure, error) {
	if err := validUser(user); err != nil {
		return Erasure{}, err
	}
	names, pseud, err := s.names(ctx, user)
	if err != nil {
		return Erasure{}, err
	}
	er := Erasure{Pseudonym: pseud}
	err = pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, s.q.Get("EraseFeedback"), names)
		if err != nil {
			return fmt.Errorf("erase feedback: %w", err)
		}
		er.Feedback = tag.RowsAffected()
		if tag, err = tx.Exec(ctx, s.q.Get("EraseAnswers"), names); err != nil {
			return fmt.Errorf("erase answers: %w", err)
		}
		er.Answers = tag.RowsAffected()
		if tag, err = tx.Exec(ctx, s.q.Get("EraseConversations"), names); err != nil {
			return fmt.Errorf("erase conversations: %w", err)
		}
		er.Conversations = tag.RowsAffected()
		if tag, err = tx.Exec(ctx, s.q.Get("EraseSessions"), names); err != nil {
			return fmt.Errorf("erase sessions: %w", err)
		}
		er.Sessions = tag.RowsAffected()
		if tag, err = tx.Exec(ctx, s.q.Get("EraseAPIKeys"), names); err != nil {
			return fmt.Errorf("erase API keys: %w", err)
		}
		er.APIKeys = tag.RowsAffected()
		if _, err = tx.Exec(ctx, s.q.Get("PseudonymiseKeyAdmins"), names, pseud); err != nil {
			return fmt.Errorf("pseudonymise the issuer of API keys: %w", err)
		}
		for _, x := range []struct {
			query, what string
			n           *int64
		}{
			{"PseudonymiseJobs", "background jobs", &er.Jobs},
			{"PseudonymiseModelChanges", "model changes", &er.ModelChanges},
			{"PseudonymiseActiveModels", "active models", &er.ActiveModels},
		} {
			if tag, err = tx.Exec(ctx, s.q.Get(x.query), user, pseud); err != nil {
				return fmt.Errorf("pseudonymise %s: %w", x.what, err)
			}
			*x.n = tag.RowsAffected()
		}
		rows, err := tx.Query(ctx, s.q.Get("EraseAuditPersonal"), names)
		if err != nil {
			return fmt.Errorf("erase personal data in the audit trail: %w", err)
		}
		if er.PersonalRemoved, err = pgx.CollectRows(rows, pgx.RowTo[int64]); err != nil {
			return fmt.Errorf("erase personal data in the audit trail: %w", err)
		}
		er.PersonalRemoved = removedIDs(er.PersonalRemoved)
		rec, err := audit.Append(ctx, tx, audit.Event{
			Action: audit.ActionSubjectErased, Target: "subject:" + pseud,
			Details: map[string]any{"conversations": er.Conversations, "answers": er.Answers, "feedback": er.Feedback,
				"sessions": er.Sessions, "api_keys": er.APIKeys, "jobs": er.Jobs, "model_changes": er.ModelChanges,
				"active_models": er.ActiveModels, audit.PersonalRemovedKey: er.PersonalRemoved},
		})
		er.AuditID = rec.ID
		return err
	})
	if err != nil {
		return Erasure{}, fmt.Errorf("privacy: erase %s: %w", pseud, err)
	}
	return er, nil
}
