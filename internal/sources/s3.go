package sources

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// s3 is a bucket (and optional prefix) of an S3-compatible store, given as
// http(s)://host:port/bucket/prefix; the object's ETag is its change
// token. Settings: "region".
type s3 struct {
	client *minio.Client
	bucket string
	prefix string
}

func newS3(c Config) (Lister, error) {
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("url: an s3 source needs http(s)://host/bucket[/prefix]")
	}
	bucket, prefix, _ := strings.Cut(strings.TrimPrefix(u.Path, "/"), "/")
	if bucket == "" {
		return nil, errors.New("url: an s3 source needs a bucket in its path")
	}
	region, _ := c.Settings["region"].(string)
	opts := &minio.Options{Secure: u.Scheme == "https", Region: region, BucketLookup: minio.BucketLookupPath,
		Transport: c.Client.Transport, Creds: credentials.NewStaticV4(c.Creds.User, c.Creds.Secret, "")}
	cl, err := minio.New(u.Host, opts)
	if err != nil {
		return nil, fmt.Errorf("url: %w", err)
	}
	return &s3{client: cl, bucket: bucket, prefix: prefix}, nil
}

func (s *s3) List(ctx context.Context) ([]Entry, error) {
	var out []Entry
	for obj := range s.client.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: s.prefix, Recursive: true}) {
		if obj.Err != nil {
			return nil, fmt.Errorf("list bucket %s: %w", s.bucket, obj.Err)
		}
		if strings.HasSuffix(obj.Key, "/") {
			continue // a folder marker
		}
		key := strings.TrimPrefix(strings.TrimPrefix(obj.Key, s.prefix), "/")
		out = append(out, Entry{Key: key, Name: path.Base(key), Token: strings.Trim(obj.ETag, `"`),
			Size: obj.Size, Modified: obj.LastModified.UTC()})
	}
	return out, nil
}

func (s *s3) Open(ctx context.Context, e Entry) (io.ReadCloser, error) {
	key := e.Key
	if s.prefix != "" {
		key = strings.TrimSuffix(s.prefix, "/") + "/" + e.Key
	}
	obj, err := s.client.GetObject(ctx, s.bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, err
	}
	// GetObject is lazy: a Stat makes a missing object an error here.
	if _, err := obj.Stat(); err != nil {
		obj.Close()
		return nil, err
	}
	return obj, nil
}
