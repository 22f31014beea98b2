package insight

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/civitas-eu/civitas/internal/audit"
)

// ActionTransparencyEdited is the audit action of an edit of the
// transparency record's free-text fields.
const ActionTransparencyEdited = "admin.transparency.edited"

// maxFieldText bounds one free-text field.
const maxFieldText = 4000

// FieldNames are the free-text fields of the transparency record an admin
// fills once, named as in the Dutch Algorithmic Transparency Standard
// (standaard.algoritmeregister.org, used by Amsterdam's register; the
// UK's and Helsinki's registers map onto it): what only people can say.
// Everything else in the record is generated from the system's state.
func FieldNames() []string {
	return []string{"name", "organization", "department", "area", "description_short", "goal", "website",
		"contact_email", "competent_authority", "status", "legal_basis", "impact_assessment",
		"proportionality", "human_intervention", "risk_management", "non_discrimination"}
}

// State is what the record tells of the deployment that is not in the
// database: set from the configuration.
type State struct {
	Version         string // the assistant's
	PromptVersion   string
	RetentionDays   int // 0: kept
	RetentionAction string
}

// Record is the transparency record of this deployment.
type Record struct {
	Standard    string            `json:"standard"`
	Fields      map[string]string `json:"fields"` // the admin's free text
	Models      []ModelFacts      `json:"models"`
	Collections []CollectionFacts `json:"source_data"`
	Processing  string            `json:"processing"`
	Oversight   string            `json:"human_oversight"`
	Performance Performance       `json:"performance"`
	Retention   string            `json:"retention"`
	Logging     string            `json:"logging"`
	Risks       []Risk            `json:"risks"`
	Software    string            `json:"software_version"`
	Prompt      string            `json:"prompt_version"`
	LastChange  time.Time         `json:"date_update"`
	Generated   time.Time         `json:"generated_at"`
}

// ModelFacts is a model in force: its role, name and exact weights.
type ModelFacts struct {
	Role   string    `json:"role"` // chat: writes answers; embed: finds passages
	Name   string    `json:"name"`
	Digest string    `json:"digest"`
	Since  time.Time `json:"since"`
}

// CollectionFacts is a document collection the answers come from.
type CollectionFacts struct {
	Name            string     `json:"name"`
	Documents       int        `json:"documents"`
	Restricted      int        `json:"restricted"` // visible to some access groups only
	GoldenQuestions int        `json:"golden_questions"`
	LastChange      *time.Time `json:"last_change,omitempty"`
}

// Performance is how well the assistant does, as measured.
type Performance struct {
	GoldenQuestions int `json:"golden_questions"`
	// LastGoldenCheck is the newest scoring of the golden questions
	// (hit@5, MRR of the old and new embedding model at a switch); nil
	// when there has been none.
	LastGoldenCheck map[string]string `json:"last_golden_check,omitempty"`
	LastCheckAt     *time.Time        `json:"last_golden_check_at,omitempty"`
	// Of the answers of the last 30 days.
	Answers30d    int `json:"answers_30d"`
	Answered30d   int `json:"answered_30d"`
	NotCovered30d int `json:"not_covered_30d"`
	RatedUp30d    int `json:"rated_up_30d"`
	RatedDown30d  int `json:"rated_down_30d"`
}

// Risk is a known risk of the system and what mitigates it.
type Risk struct {
	Risk       string `json:"risk"`
	Mitigation string `json:"mitigation"`
}

// Fields returns the admin's free-text fields and when they last
// changed (zero: never).
func (s *Service) Fields(ctx context.Context) (map[string]string, time.Time, error) {
	var raw []byte
	var at time.Time
	err := s.db.QueryRow(ctx, s.q.Get("TransparencyFields")).Scan(&raw, &at)
	if errors.Is(err, pgx.ErrNoRows) {
		return map[string]string{}, time.Time{}, nil
	}
	if err != nil {
		return nil, at, fmt.Errorf("insight: transparency fields: %w", err)
	}
	f := map[string]string{}
	if err := json.Unmarshal(raw, &f); err != nil {
		return nil, at, fmt.Errorf("insight: transparency fields: %w", err)
	}
	return f, at, nil
}

// SetFields replaces the free-text fields (an absent or empty field is
// cleared). It refuses a field the record does not have, naming it.
func (s *Service) SetFields(ctx context.Context, fields map[string]string) (time.Time, error) {
	known := FieldNames()
	clean := map[string]string{}
	for k, v := range fields {
		if !slices.Contains(known, k) {
			return time.Time{}, invalidf("fields: %q is not a field of the record (known: %s)", k, strings.Join(known, ", "))
		}
		v = strings.TrimSpace(v)
		if !utf8.ValidString(v) || strings.IndexByte(v, 0) >= 0 || utf8.RuneCountInString(v) > maxFieldText {
			return time.Time{}, invalidf("fields: %q must be text of at most %d characters", k, maxFieldText)
		}
		if v != "" {
			clean[k] = v
		}
	}
	raw, _ := json.Marshal(clean)
	var at time.Time
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, s.q.Get("SaveTransparencyFields"), string(raw)).Scan(&at); err != nil {
			return err
		}
		// The fields are public text: the event names which were set.
		_, err := audit.Append(ctx, tx, audit.Event{Action: ActionTransparencyEdited, Target: "transparency",
			Details: map[string]any{"fields": slices.Sorted(maps.Keys(clean))}})
		return err
	})
	if err != nil {
		return at, fmt.Errorf("insight: save transparency fields: %w", err)
	}
	return at, nil
}
