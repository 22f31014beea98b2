package originals

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3Config names a bucket of an S3-compatible server (MinIO, Ceph, a
// cloud's object storage inside the city's network).
type S3Config struct {
	Endpoint  *url.URL // http(s)://host[:port]; the scheme decides TLS
	Bucket    string
	Region    string
	AccessKey string
	SecretKey string
	// Transport overrides the HTTP transport (nil: the default).
	Transport http.RoundTripper
}

// S3 keeps originals as objects "sha256/<hex>" of a bucket. Which files
// are still needed is known from the database (pool), as for Postgres.
type S3 struct {
	client *minio.Client
	bucket string
	pool   *pgxpool.Pool
}

// NewS3 connects to the bucket and checks that it exists: a server that
// cannot store uploads must not start.
func NewS3(ctx context.Context, cfg S3Config, pool *pgxpool.Pool) (*S3, error) {
	if cfg.Endpoint == nil || cfg.Endpoint.Host == "" {
		return nil, errors.New("originals: no S3 endpoint configured")
	}
	if cfg.Bucket == "" {
		return nil, errors.New("originals: no S3 bucket configured")
	}
	c, err := minio.New(cfg.Endpoint.Host, &minio.Options{
		Creds:        credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure:       cfg.Endpoint.Scheme == "https",
		Region:       cfg.Region,
		BucketLookup: minio.BucketLookupPath,
		Transport:    cfg.Transport,
	})
	if err != nil {
		return nil, fmt.Errorf("originals: S3 client: %w", err)
	}
	ok, err := c.BucketExists(ctx, cfg.Bucket)
	if err != nil {
		return nil, fmt.Errorf("originals: S3 bucket %s: %w", cfg.Bucket, err)
	}
	if !ok {
		return nil, fmt.Errorf("originals: S3 bucket %s does not exist", cfg.Bucket)
	}
	return &S3{client: c, bucket: cfg.Bucket, pool: pool}, nil
}

func objectName(hash []byte) string { return "sha256/" + hex.EncodeToString(hash) }

// Put spools r to a temporary file to learn its hash and size (the object
// is named by the hash and S3 wants the length up front), then uploads it.
func (s *S3) Put(ctx context.Context, r io.Reader) (Ref, error) {
	f, err := os.CreateTemp("", "original-*")
	if err != nil {
		return Ref{}, fmt.Errorf("originals: spool upload: %w", err)
	}
	defer func() {
		f.Close()
		os.Remove(f.Name())
	}()
	hr := newHashingReader(r)
	if _, err := io.Copy(f, hr); err != nil {
		return Ref{}, fmt.Errorf("originals: spool upload: %w", err)
	}
	ref := hr.ref()
	// Uploaded even when an object of the name exists: the same bytes
	// again, or a damaged object repaired.
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return Ref{}, fmt.Errorf("originals: spool upload: %w", err)
	}
	if _, err := s.client.PutObject(ctx, s.bucket, objectName(ref.Hash), f, ref.Size,
		minio.PutObjectOptions{ContentType: "application/octet-stream"}); err != nil {
		return Ref{}, fmt.Errorf("originals: upload to S3: %w", err)
	}
	return ref, nil
}

// Open streams the object, checking its hash at the end.
func (s *S3) Open(ctx context.Context, hash []byte) (io.ReadCloser, error) {
	obj, err := s.client.GetObject(ctx, s.bucket, objectName(hash), minio.GetObjectOptions{})
	if err != nil {
		return nil, s.mapErr(err)
	}
	if _, err := obj.Stat(); err != nil {
		obj.Close()
		return nil, s.mapErr(err)
	}
	return struct {
		io.Reader
		io.Closer
	}{newVerifier(obj, hash), obj}, nil
}

// Has reports whether the object exists.
func (s *S3) Has(ctx context.Context, hash []byte) (bool, error) {
	_, err := s.client.StatObject(ctx, s.bucket, objectName(hash), minio.StatObjectOptions{})
	if err == nil {
		return true, nil
	}
	if err = s.mapErr(err); errors.Is(err, ErrNotFound) {
		return false, nil
	}
	return false, err
}

// Release removes the object unless the database still needs it. Unlike
// Postgres's, the check and the removal are two steps: a document made
// from the same content in between loses its original and is served from
// its local file, if any, until it is ingested again.
func (s *S3) Release(ctx context.Context, hash []byte) (bool, error) {
	ref, err := referenced(ctx, s.pool, hash)
	if err != nil || ref {
		return false, err
	}
	if err := s.client.RemoveObject(ctx, s.bucket, objectName(hash), minio.RemoveObjectOptions{}); err != nil {
		return false, fmt.Errorf("originals: remove from S3: %w", err)
	}
	return true, nil
}

func (s *S3) mapErr(err error) error {
	switch minio.ToErrorResponse(err).Code {
	case "NoSuchKey", "NotFound":
		return ErrNotFound
	}
	return fmt.Errorf("originals: S3: %w", err)
}
