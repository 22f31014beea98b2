package insight

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// standard names the schema the record's field names follow.
const standard = "Dutch Algorithmic Transparency Standard (algoritmeregister, as used by Amsterdam; Helsinki's and the UK's registers map onto it)"

// Record generates the transparency record from the system's state now:
// the models in force with their digests, the collections, how answers
// are made and checked, the measured performance, retention and logging,
// with the admin's free-text fields.
func (s *Service) Record(ctx context.Context, st State) (Record, error) {
	rec := Record{Standard: standard, Software: st.Version, Prompt: st.PromptVersion, Generated: time.Now().UTC(),
		Models: []ModelFacts{}, Collections: []CollectionFacts{}}
	fields, fieldsAt, err := s.Fields(ctx)
	if err != nil {
		return rec, err
	}
	rec.Fields, rec.LastChange = fields, fieldsAt
	later := func(t time.Time) {
		if t.After(rec.LastChange) {
			rec.LastChange = t
		}
	}
	rows, err := s.db.Query(ctx, s.q.Get("ActiveModelRows"))
	if err != nil {
		return rec, fmt.Errorf("insight: active models: %w", err)
	}
	if rec.Models, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (ModelFacts, error) {
		var m ModelFacts
		err := r.Scan(&m.Role, &m.Name, &m.Digest, &m.Since)
		return m, err
	}); err != nil {
		return rec, fmt.Errorf("insight: active models: %w", err)
	}
	for _, m := range rec.Models {
		later(m.Since)
	}
	var changed *time.Time
	if err := s.db.QueryRow(ctx, s.q.Get("LastModelChange")).Scan(&changed); err != nil {
		return rec, fmt.Errorf("insight: model changes: %w", err)
	}
	if changed != nil {
		later(*changed)
	}
	rows, err = s.db.Query(ctx, s.q.Get("CollectionFacts"))
	if err != nil {
		return rec, fmt.Errorf("insight: collections: %w", err)
	}
	if rec.Collections, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (CollectionFacts, error) {
		var c CollectionFacts
		err := r.Scan(&c.Name, &c.Documents, &c.Restricted, &c.GoldenQuestions, &c.LastChange)
		return c, err
	}); err != nil {
		return rec, fmt.Errorf("insight: collections: %w", err)
	}
	for _, c := range rec.Collections {
		rec.Performance.GoldenQuestions += c.GoldenQuestions
	}
	if err := s.performance(ctx, &rec.Performance); err != nil {
		return rec, err
	}
	rec.describe(st)
	return rec, nil
}

// performance fills the last golden-question check and the answers of the
// last 30 days.
func (s *Service) performance(ctx context.Context, p *Performance) error {
	var details string
	var at time.Time
	switch err := s.db.QueryRow(ctx, s.q.Get("LastGoldenCheck")).Scan(&details, &at); {
	case err == nil:
		p.LastCheckAt = &at
		_ = json.Unmarshal([]byte(details), &p.LastGoldenCheck)
	case errors.Is(err, pgx.ErrNoRows):
	default:
		return fmt.Errorf("insight: last golden check: %w", err)
	}
	if err := s.db.QueryRow(ctx, s.q.Get("AnswerCounts")).Scan(&p.Answers30d, &p.Answered30d, &p.NotCovered30d,
		&p.RatedUp30d, &p.RatedDown30d); err != nil {
		return fmt.Errorf("insight: answer counts: %w", err)
	}
	return nil
}

// describe writes the parts of the record that follow from how Civitas
// works, with the deployment's settings.
func (rec *Record) describe(st State) {
	rec.Processing = "Retrieval-augmented generation. A question is matched against the passages of the city's documents " +
		"by full-text search and by the embedding model's vectors, fused by the evidence each brings; the access groups of " +
		"the asker are a condition of that search. The chat model writes an answer from the best passages only and cites " +
		"each passage it uses by number. When no passage is evidence for the question, no model is called and the answer " +
		"says the documents do not cover it; when the chat model is unreachable, the passages are shown without an answer. " +
		"Both models run on the city's own servers; nothing is sent elsewhere."
	rec.Oversight = "Every answer shows its sources, and the interface tells users to check answers against them. Users rate " +
		"answers; knowledge managers review the answers rated unhelpful, fix or add documents, and keep golden questions " +
		"that are scored before any change of the embedding model, which an admin must confirm when the new model scores " +
		"worse. Admins see usage, error and latency figures per collection and model."
	switch {
	case st.RetentionDays <= 0:
		rec.Retention = "Conversations and answer records are kept until deleted; a person may ask for their export or erasure."
	case st.RetentionAction == "delete":
		rec.Retention = fmt.Sprintf("Conversations and answer records are deleted after %d days; a person may ask for their export or erasure earlier.", st.RetentionDays)
	default:
		rec.Retention = fmt.Sprintf("After %d days the asker's name in conversations and answer records becomes a pseudonym and the texts are removed; a person may ask for their export or erasure earlier.", st.RetentionDays)
	}
	rec.Logging = "Every answer is recorded with the passages retrieved and cited (document versions), the chat and embedding " +
		"model with its digest, the prompt version and timings. Answers, document changes, model changes and admin actions " +
		"are appended to a hash-chained audit trail that auditors can verify; personal details are kept apart so they can be erased."
	rec.Risks = []Risk{
		{"Wrong or incomplete answers (the model invents or misreads).", "Answers cite their passages; users are told to check them; unhelpful answers are reviewed; \"not covered\" instead of an answer without evidence."},
		{"Outdated documents answer.", "Documents are versioned and re-ingested when they change; only current versions are searched."},
		{"Confidential documents reach the wrong people.", "Access groups are a condition of the search itself; answers show only sources the reader may see."},
		{"Questions name third parties (personal data).", "Models run locally; records are pseudonymised or deleted after the retention period; data-subject requests are supported."},
		{"A model change lowers quality unnoticed.", "Golden questions are scored before an embedding switch; model changes are recorded with digests in this record and the audit trail."},
	}
}
