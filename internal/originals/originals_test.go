package originals_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"io"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/civitas-eu/civitas/internal/config"
	"github.com/civitas-eu/civitas/internal/dbtest"
	"github.com/civitas-eu/civitas/internal/originals"
)

func randomBytes(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// readAll opens hash and reads it to the end.
func readAll(ctx context.Context, s originals.Store, hash []byte) ([]byte, error) {
	rc, err := s.Open(ctx, hash)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

// checkRoundTrip stores content, reads it back, and checks that a second
// Put of the same content stores nothing new.
func checkRoundTrip(t *testing.T, s originals.Store, content []byte) originals.Ref {
	t.Helper()
	ctx := context.Background()
	ref, err := s.Put(ctx, bytes.NewReader(content))
	if err != nil {
		t.Fatal(err)
	}
	want := sha256.Sum256(content)
	if !bytes.Equal(ref.Hash, want[:]) || ref.Size != int64(len(content)) {
		t.Fatalf("Put = %x/%d, want %x/%d", ref.Hash, ref.Size, want, len(content))
	}
	got, err := readAll(ctx, s, ref.Hash)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, content) {
		t.Fatalf("read back %d bytes, not the %d stored", len(got), len(content))
	}
	if again, err := s.Put(ctx, bytes.NewReader(content)); err != nil || !bytes.Equal(again.Hash, ref.Hash) {
		t.Fatalf("second Put = %x, %v", again.Hash, err)
	}
	if ok, err := s.Has(ctx, ref.Hash); err != nil || !ok {
		t.Fatalf("Has = %v, %v; want true", ok, err)
	}
	missing := sha256.Sum256([]byte("never stored"))
	if _, err := s.Open(ctx, missing[:]); !errors.Is(err, originals.ErrNotFound) {
		t.Fatalf("Open of an unknown hash = %v, want ErrNotFound", err)
	}
	return ref
}

// TestOriginalsInPostgresStreamAndHash stores a file larger than several
// chunks, reads it back chunk by chunk, and checks that a damaged or
// missing chunk is an error rather than content.
func TestOriginalsInPostgresStreamAndHash(t *testing.T) {
	pool := dbtest.Migrated(t)
	ctx := context.Background()
	s, err := originals.NewPostgres(pool)
	if err != nil {
		t.Fatal(err)
	}
	content := randomBytes(t, 3*originals.ChunkSize+12345)
	ref := checkRoundTrip(t, s, content)
	t.Cleanup(func() { pool.Exec(context.Background(), `DELETE FROM originals WHERE hash = $1`, ref.Hash) })

	var rows, chunks, copies int
	if err := pool.QueryRow(ctx, `SELECT count(*), max(o.chunks), count(DISTINCT o.id) FROM originals o
		JOIN original_chunks c ON c.original_id = o.id WHERE o.hash = $1`, ref.Hash).Scan(&rows, &chunks, &copies); err != nil {
		t.Fatal(err)
	}
	if rows != 4 || chunks != 4 || copies != 1 {
		t.Fatalf("stored as %d chunk rows (%d recorded) in %d files, want 4 chunks in 1 file", rows, chunks, copies)
	}

	tests := []struct {
		name, damage string
	}{
		{"a changed byte", `UPDATE original_chunks SET data = overlay(data placing '\x00'::bytea from 7 for 1)
			WHERE seq = 2 AND original_id = (SELECT id FROM originals WHERE hash = $1)`},
		{"a missing chunk", `DELETE FROM original_chunks WHERE seq = 3 AND original_id = (SELECT id FROM originals WHERE hash = $1)`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := pool.Exec(ctx, tc.damage, ref.Hash); err != nil {
				t.Fatal(err)
			}
			if _, err := readAll(ctx, s, ref.Hash); !errors.Is(err, originals.ErrCorrupt) {
				t.Fatalf("reading a damaged file = %v, want ErrCorrupt", err)
			}
			dir := t.TempDir()
			if f, err := originals.Spool(ctx, s, ref.Hash, dir); !errors.Is(err, originals.ErrCorrupt) {
				if f != nil {
					f.Close()
				}
				t.Fatalf("Spool of a damaged file = %v, want ErrCorrupt", err)
			}
			if left, _ := filepath.Glob(filepath.Join(dir, "*")); len(left) != 0 {
				t.Fatalf("Spool left %v behind", left)
			}
		})
	}

	// Storing the file again repairs it.
	if _, err := s.Put(ctx, bytes.NewReader(content)); err != nil {
		t.Fatal(err)
	}
	if got, err := readAll(ctx, s, ref.Hash); err != nil || !bytes.Equal(got, content) {
		t.Fatalf("after storing it again: %d bytes, %v", len(got), err)
	}

	// Nothing refers to the file: Release deletes it with its chunks.
	if ok, err := s.Release(ctx, ref.Hash); err != nil || !ok {
		t.Fatalf("Release = %v, %v; want deleted", ok, err)
	}
	if ok, err := s.Has(ctx, ref.Hash); err != nil || ok {
		t.Fatalf("Has after Release = %v, %v", ok, err)
	}
	if _, err := s.Put(ctx, bytes.NewReader(nil)); err != nil {
		t.Fatalf("Put of an empty file: %v", err)
	}
}

// TestOriginalsS3 runs the same checks against a real S3 protocol server
// (gofakes3, in memory, on loopback).
func TestOriginalsS3(t *testing.T) {
	pool := dbtest.Migrated(t)
	ctx := context.Background()
	backend := s3mem.New()
	if err := backend.CreateBucket("civitas"); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	cfg := originals.S3Config{Endpoint: u, Bucket: "civitas", Region: "us-east-1", AccessKey: "key", SecretKey: "secret"}

	if _, err := originals.NewS3(ctx, originals.S3Config{Endpoint: u, Bucket: "missing", AccessKey: "k", SecretKey: "s"}, pool); err == nil {
		t.Fatal("NewS3 with a bucket that does not exist: no error")
	}
	// As the settings open it (--originals=s3).
	s, err := originals.OpenConfigured(ctx, config.OriginalsConfig{Store: "s3", S3Endpoint: u, S3Bucket: cfg.Bucket,
		S3Region: cfg.Region, S3AccessKey: cfg.AccessKey, S3SecretKey: cfg.SecretKey}, pool)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.(*originals.S3); !ok {
		t.Fatalf("--originals=s3 opened a %T", s)
	}
	content := randomBytes(t, 2<<20+77)
	ref := checkRoundTrip(t, s, content)

	// The object is replaced behind the store's back: reading it is an error.
	c, err := minio.New(u.Host, &minio.Options{Creds: credentials.NewStaticV4("key", "secret", ""), BucketLookup: minio.BucketLookupPath, Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	bad := append([]byte{}, content...)
	bad[1000] ^= 0xff
	if _, err := c.PutObject(ctx, "civitas", "sha256/"+ref.Hex(), bytes.NewReader(bad), int64(len(bad)), minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := readAll(ctx, s, ref.Hash); !errors.Is(err, originals.ErrCorrupt) {
		t.Fatalf("reading a replaced object = %v, want ErrCorrupt", err)
	}
	if _, err := s.Put(ctx, bytes.NewReader(content)); err != nil {
		t.Fatal(err)
	}
	if got, err := readAll(ctx, s, ref.Hash); err != nil || !bytes.Equal(got, content) {
		t.Fatalf("after storing it again: %d bytes, %v", len(got), err)
	}
	if ok, err := s.Release(ctx, ref.Hash); err != nil || !ok {
		t.Fatalf("Release = %v, %v; want deleted", ok, err)
	}
	if ok, err := s.Has(ctx, ref.Hash); err != nil || ok {
		t.Fatalf("Has after Release = %v, %v", ok, err)
	}
}
