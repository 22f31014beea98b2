// Package originals keeps the original files of documents (uploads and the
// files cmd/ingest read) where every assistant replica reaches them: in
// PostgreSQL by default, or in an S3-compatible bucket. A file is stored
// once per content, named by its SHA-256 (the documents' content_hash), and
// streamed both ways, never held whole in memory. Every read checks the
// content against its name: a file changed or damaged in storage is an
// error (ErrCorrupt), never served as the document's original.
package originals

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/civitas-eu/civitas/internal/config"
)

// ErrNotFound means no original is stored under the hash.
var ErrNotFound = errors.New("originals: no file stored under this hash")

// ErrCorrupt means the stored bytes do not have the hash they are stored
// under (or a part of them is missing).
var ErrCorrupt = errors.New("originals: stored file does not match its SHA-256")

// Ref names a stored file.
type Ref struct {
	Hash []byte // SHA-256 of the content
	Size int64
}

// Hex is the hash in lower-case hex, as job arguments carry it.
func (r Ref) Hex() string { return hex.EncodeToString(r.Hash) }

// Store is where originals live.
type Store interface {
	// Put stores what r yields and returns its hash; content stored
	// already is not stored twice (the new copy replaces the old, which
	// repairs a damaged one). Callers that only need the content there
	// ask Has first.
	Put(ctx context.Context, r io.Reader) (Ref, error)
	// Open streams the file stored under hash. The reader's last Read
	// returns ErrCorrupt instead of io.EOF when the bytes do not match
	// the hash; Open returns ErrNotFound for an unknown hash.
	Open(ctx context.Context, hash []byte) (io.ReadCloser, error)
	// Has reports whether a file is stored under hash.
	Has(ctx context.Context, hash []byte) (bool, error)
	// Release deletes the file stored under hash unless a current
	// document was made from it or a queued or running job still needs
	// it; it reports whether it deleted.
	Release(ctx context.Context, hash []byte) (bool, error)
}

// ParseHash reads a hash in hex, as Ref.Hex writes it.
func ParseHash(s string) ([]byte, error) {
	h, err := hex.DecodeString(s)
	if err != nil || len(h) != sha256.Size {
		return nil, fmt.Errorf("originals: %q is not a SHA-256 in hex", s)
	}
	return h, nil
}

// Spool copies the original stored under hash into a new file in dir
// ("" for the system's temporary folder), checking its hash, and returns
// it rewound. The caller closes and removes it. A served or ingested copy
// is thus always the checked one, and can be read more than once (HTTP
// range requests of PDF viewers).
func Spool(ctx context.Context, s Store, hash []byte, dir string) (*os.File, error) {
	rc, err := s.Open(ctx, hash)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	f, err := os.CreateTemp(dir, "original-*")
	if err != nil {
		return nil, fmt.Errorf("originals: spool: %w", err)
	}
	fail := func(err error) (*os.File, error) {
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	if _, err := io.Copy(f, rc); err != nil {
		return fail(err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fail(fmt.Errorf("originals: spool: %w", err))
	}
	return f, nil
}

// verifier passes r through and, at its end, turns io.EOF into ErrCorrupt
// when the bytes read do not hash to want.
type verifier struct {
	r    io.Reader
	h    hash.Hash
	want []byte
}

func newVerifier(r io.Reader, want []byte) *verifier {
	return &verifier{r: r, h: sha256.New(), want: want}
}

func (v *verifier) Read(p []byte) (int, error) {
	n, err := v.r.Read(p)
	v.h.Write(p[:n])
	if errors.Is(err, io.EOF) && !bytes.Equal(v.h.Sum(nil), v.want) {
		return n, ErrCorrupt
	}
	return n, err
}

// hashingReader hashes and counts what passes through it.
type hashingReader struct {
	r io.Reader
	h hash.Hash
	n int64
}

func newHashingReader(r io.Reader) *hashingReader { return &hashingReader{r: r, h: sha256.New()} }

func (h *hashingReader) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	h.h.Write(p[:n])
	h.n += int64(n)
	return n, err
}

func (h *hashingReader) ref() Ref { return Ref{Hash: h.h.Sum(nil), Size: h.n} }

// OpenConfigured returns the store the settings choose (--originals): the database
// behind pool, or the S3 bucket, checked to exist.
func OpenConfigured(ctx context.Context, c config.OriginalsConfig, pool *pgxpool.Pool) (Store, error) {
	if c.Store == "s3" {
		s, err := NewS3(ctx, S3Config{Endpoint: c.S3Endpoint, Bucket: c.S3Bucket, Region: c.S3Region,
			AccessKey: c.S3AccessKey, SecretKey: c.S3SecretKey}, pool)
		if err != nil {
			return nil, fmt.Errorf("%w (check %s and %s)", err, config.Describe("s3-endpoint"), config.Describe("s3-bucket"))
		}
		return s, nil
	}
	return NewPostgres(pool)
}
