package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"os"
	"slices"
	"strconv"
	"testing"

	"github.com/civitas-eu/civitas/internal/dbtest"
	"github.com/civitas-eu/civitas/internal/insight"
)

// TestUpdateMetadata: `ingest --update-metadata` changes the title and
// access groups of a document in place (same row, same chunk), prints
// the change and records it in the audit trail.
func TestUpdateMetadata(t *testing.T) {
	pool := dbtest.Migrated(t)
	ctx := context.Background()
	col := dbtest.UniqueName("cmdmeta-")
	t.Cleanup(func() { _, _ = pool.Exec(context.Background(), "DELETE FROM collections WHERE name = $1", col) })
	h := sha256.Sum256([]byte(col))
	var id, chunk int64
	if err := pool.QueryRow(ctx, `WITH c AS (INSERT INTO collections (name) VALUES ($1) RETURNING id)
		INSERT INTO documents (collection_id, source_uri, title, media_type, content_hash, size_bytes)
		SELECT id, '/srv/memo.txt', 'Memo', 'text/plain', $2, 4 FROM c RETURNING id`, col, h[:]).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if err := pool.QueryRow(ctx, "INSERT INTO chunks (document_id, ordinal, content, token_count) VALUES ($1, 0, 'memo', 1) RETURNING id", id).Scan(&chunk); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"CIVITAS_DATABASE_URL": dbtest.URL(t), "CIVITAS_OLLAMA_URL": os.Getenv("CIVITAS_TEST_OLLAMA_URL"), "USER": "operator"}
	var stdout, stderr bytes.Buffer
	m := &Main{Stdout: &stdout, Stderr: &stderr, Getenv: func(k string) string { return env[k] }}
	if err := m.Run(ctx, []string{"--update-metadata", "--title", "Memo 2027", "--groups", "finance, hr", strconv.FormatInt(id, 10)}); err != nil {
		t.Fatalf("update: %v\n%s", err, stderr.String())
	}
	var res insight.MetadataResult
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil || !res.Changed {
		t.Fatalf("output %s: %v", stdout.String(), err)
	}
	var title string
	var groups []string
	var chunkNow, events int64
	if err := pool.QueryRow(ctx, `SELECT d.title, d.access_groups, k.id,
		(SELECT count(*) FROM audit_log WHERE action = $2 AND target = 'document:' || $1::text)
		FROM documents d JOIN chunks k ON k.document_id = d.id WHERE d.id = $1`, id, insight.ActionMetadataChanged).
		Scan(&title, &groups, &chunkNow, &events); err != nil {
		t.Fatal(err)
	}
	if title != "Memo 2027" || !slices.Equal(groups, []string{"finance", "hr"}) || chunkNow != chunk || events != 1 {
		t.Errorf("after the update: title %q, groups %v, chunk %d (was %d), %d audit events", title, groups, chunkNow, chunk, events)
	}
	if err := m.Run(ctx, []string{"--update-metadata", "--title", "x"}); err == nil {
		t.Error("--update-metadata without a document id did not fail")
	}
}
