package sqlfile

import (
	"regexp"
	"slices"
	"strings"
)

// TableOwners maps every table of the schema to the one package whose SQL
// may write it (INSERT, UPDATE, DELETE). Another package that needs a
// table changed calls a function of the owner, passing its transaction
// when the change must be part of its own unit of work (privacy's erasure
// and retention do). Reading across packages is allowed. The test
// TestSQLWritesOnlyOwnedTables holds every .sql file of the tree to this
// map, and TestEveryTableHasOwner holds the migrations to it.
func TableOwners() map[string]string {
	const (
		store     = "internal/store"
		audit     = "internal/audit"
		jobs      = "internal/jobs"
		originals = "internal/originals"
		privacy   = "internal/privacy"
		insight   = "internal/insight"
		sources   = "internal/sources"
	)
	return map[string]string{
		// Documents, their chunks and vectors.
		"collections": store, "documents": store, "chunks": store, "ingest_claims": store,
		"embeddings": store, "embedding_models": store, "compound_vocabulary": store, "term_stats": store, "fusion_weights": store,
		// Conversations, answer records and their feedback.
		"conversations": store, "answers": store, "answer_feedback": store, "golden_questions": store,
		"collection_suggestions": store,
		// Sign-in.
		"api_keys": store, "auth_sessions": store, "auth_logins": store,
		// Active models and their history.
		"active_models": store, "model_changes": store,
		"schema_migrations": store,
		// The audit trail (append-only; the personal part is erasable).
		"audit_log": audit, "audit_personal": audit, "audit_head": audit,
		"jobs":      jobs,
		"originals": originals, "original_chunks": originals,
		"pseudonym_key": privacy,
		// Feedback reviews and the admin's transparency texts.
		"feedback_reviews": insight, "transparency_fields": insight,
		// Scheduled sources, what each holds, and their runs.
		"sources": sources, "source_items": sources, "source_runs": sources,
	}
}

var (
	sqlComment = regexp.MustCompile(`(?s)--[^\n]*|/\*.*?\*/`)
	sqlString  = regexp.MustCompile(`'(?:[^']|'')*'`)
	// A write names its table right after INSERT INTO, DELETE FROM or
	// UPDATE [ONLY]. "FOR UPDATE [OF t]", "DO UPDATE SET" and the UPDATE
	// of a GRANT list are not writes of a table and are told apart below.
	sqlWrite = regexp.MustCompile(`(?i)\b(?:(INSERT\s+INTO|DELETE\s+FROM)|(FOR\s+|DO\s+)?(UPDATE))\s+(?:ONLY\s+)?((?:"[^"]+"|[a-z_][a-z0-9_$]*)(?:\s*\.\s*(?:"[^"]+"|[a-z_][a-z0-9_$]*))?)`)
)

// Writes returns the tables that sql inserts into, updates or deletes
// from, sorted and without a schema, by a lexical reading that ignores
// comments and string literals. It is meant for checking ownership of
// the project's own statements, not for SQL in general.
func Writes(sql string) []string {
	sql = sqlComment.ReplaceAllString(sql, " ")
	sql = sqlString.ReplaceAllString(sql, "''")
	var out []string
	for _, m := range sqlWrite.FindAllStringSubmatch(sql, -1) {
		if m[1] == "" && m[2] != "" { // FOR UPDATE / DO UPDATE SET
			continue
		}
		name := m[4]
		if i := strings.LastIndex(name, "."); i >= 0 {
			name = strings.TrimSpace(name[i+1:])
		}
		name = strings.Trim(name, `"`)
		if m[1] == "" && (strings.EqualFold(name, "SET") || strings.EqualFold(name, "ON")) {
			continue
		}
		if !slices.Contains(out, strings.ToLower(name)) {
			out = append(out, strings.ToLower(name))
		}
	}
	slices.Sort(out)
	return out
}
