package sources_test

import (
	"context"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/civitas-eu/civitas/internal/sources"
)

// TestS3SyncFollowsAddChangeDelete: a real S3 protocol server (gofakes3
// on loopback) with a prefix; objects added, replaced (a new ETag) and
// removed between syncs are followed, the credentials come from an env:
// reference and appear nowhere in the database.
func TestS3SyncFollowsAddChangeDelete(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	backend := s3mem.New()
	if err := backend.CreateBucket("stadt"); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	c, err := minio.New(u.Host, &minio.Options{Creds: credentials.NewStaticV4("key", "s3cr3t-value", ""),
		BucketLookup: minio.BucketLookupPath, Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	put := func(key, text string) {
		t.Helper()
		if _, err := c.PutObject(ctx, "stadt", key, strings.NewReader(text), int64(len(text)), minio.PutObjectOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	put("docs/a.md", "# Parking\n\nPermits cost 30 euros a year.")
	put("docs/sub/b.md", "# Waste\n\nBins are emptied on Tuesday.")
	put("docs/c.md", "# Library\n\nThe library opens at nine.")
	put("other/x.md", "# Outside the prefix\n\nNot part of the source.")
	t.Setenv("SOURCE_TEST_S3_CREDENTIALS", "key:s3cr3t-value")
	src := b.add(t, sources.Source{Kind: "s3", URL: srv.URL + "/stadt/docs/", Credentials: "env:SOURCE_TEST_S3_CREDENTIALS",
		Settings: map[string]any{"region": "us-east-1"}})

	want(t, b.sync(t, src), 3, 0, 0, 0, 0)
	if got := b.current(t, src.Collection); len(got) != 3 || got[sources.URI(src.Name, "sub/b.md")] == "" {
		t.Fatalf("after the first sync: %v", got)
	}
	put("docs/a.md", "# Parking\n\nPermits now cost 40 euros a year.")
	put("docs/d.md", "# Pool\n\nThe pool is closed in August.")
	if err := c.RemoveObject(ctx, "stadt", "docs/c.md", minio.RemoveObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	want(t, b.sync(t, src), 1, 1, 1, 1, 0)
	want(t, b.sync(t, src), 0, 0, 3, 0, 0)

	var leaked int
	if err := b.docs.DB().QueryRow(ctx, `SELECT count(*) FROM sources s WHERE s.id = $1 AND s::text LIKE '%s3cr3t%'`, src.ID).Scan(&leaked); err != nil || leaked != 0 {
		t.Fatalf("the secret is in the sources table (%d rows, %v)", leaked, err)
	}
}
