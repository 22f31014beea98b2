package egress_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/civitas-eu/civitas/internal/config"
	"github.com/civitas-eu/civitas/internal/egress"
)

// TestCheckConfigCoversS3Endpoint: with --originals=s3 the bucket's server
// must be local like the database, as it holds every document.
func TestCheckConfigCoversS3Endpoint(t *testing.T) {
	dns := stubResolver{"minio.city": {"10.0.0.7"}, "s3.example": {"203.0.113.9"}}
	ollama, _ := url.Parse("http://127.0.0.1:11434")
	cases := []struct {
		name, store, endpoint string
		allow                 []string
		refused               bool
	}{
		{"private bucket", "s3", "https://minio.city:9000", nil, false},
		{"public bucket", "s3", "https://s3.example", nil, true},
		{"public bucket allowed", "s3", "https://s3.example", []string{"s3.example"}, false},
		{"public endpoint unused with postgres", "postgres", "https://s3.example", nil, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ep, _ := url.Parse(c.endpoint)
			cfg := config.Config{OllamaURL: ollama, DatabaseURL: "postgres://u:p@127.0.0.1/civitas", AllowRemoteHosts: c.allow,
				Originals: config.OriginalsConfig{Store: c.store, S3Endpoint: ep}}
			err := egress.CheckConfig(context.Background(), cfg, dns)
			if !c.refused {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if !errors.Is(err, egress.ErrRefused) || !strings.Contains(err.Error(), "--s3-endpoint (CIVITAS_S3_ENDPOINT)") {
				t.Fatalf("error %v does not refuse naming --s3-endpoint", err)
			}
		})
	}
}
