package config

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
)

// OriginalsConfig says where the original files of documents (uploads and
// the files behind citations) are kept, so that every replica reaches
// them (internal/originals).
type OriginalsConfig struct {
	// Store is "postgres" (the database, the default) or "s3".
	Store string
	// S3Endpoint, S3Bucket and S3Region name the bucket with Store "s3".
	S3Endpoint *url.URL
	S3Bucket   string
	S3Region   string
	// S3AccessKey and S3SecretKey are read from the files the settings
	// name; they are never logged.
	S3AccessKey string
	S3SecretKey string
}

// originalsSettings are the rows of the originals store.
func originalsSettings() []Setting {
	return []Setting{
		{Flag: "originals", Env: "CIVITAS_ORIGINALS", Default: "postgres",
			Usage: "where the original files of documents are kept, so that every replica can open them: postgres (in the database) or s3 (a bucket of an S3-compatible server, --s3-*)",
			set: func(c *Config, v string) error {
				c.Originals.Store = v
				return oneOf(v, "postgres", "s3")
			}},
		{Flag: "s3-endpoint", Env: "CIVITAS_S3_ENDPOINT", Default: "",
			Usage: "URL of the S3-compatible server with --originals=s3, e.g. https://minio.city.internal:9000 (checked by the egress guard)",
			set: func(c *Config, v string) error {
				if v == "" {
					return nil
				}
				u, err := url.Parse(v)
				if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
					return errors.New("want an http(s) URL of the server, without a path")
				}
				c.Originals.S3Endpoint = u
				return nil
			}},
		{Flag: "s3-bucket", Env: "CIVITAS_S3_BUCKET", Default: "",
			Usage: "bucket holding the originals with --originals=s3 (it must exist)",
			set:   func(c *Config, v string) error { c.Originals.S3Bucket = v; return nil }},
		{Flag: "s3-region", Env: "CIVITAS_S3_REGION", Default: "us-east-1",
			Usage: "region of the bucket with --originals=s3",
			set:   func(c *Config, v string) error { c.Originals.S3Region = v; return nil }},
		{Flag: "s3-access-key-file", Env: "CIVITAS_S3_ACCESS_KEY_FILE", Default: "",
			Usage: "file holding the S3 access key (a container secret) with --originals=s3",
			set:   func(c *Config, v string) error { return readKeyFile(v, &c.Originals.S3AccessKey) }},
		{Flag: "s3-secret-key-file", Env: "CIVITAS_S3_SECRET_KEY_FILE", Default: "",
			Usage: "file holding the S3 secret key (a container secret) with --originals=s3",
			set:   func(c *Config, v string) error { return readKeyFile(v, &c.Originals.S3SecretKey) }},
	}
}

// readKeyFile reads a key from a file; the message names the file, never
// its content.
func readKeyFile(path string, dst *string) error {
	if path == "" {
		return nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read key file: %w", err)
	}
	if *dst = strings.TrimSpace(string(b)); *dst == "" {
		return errors.New("the file is empty")
	}
	return nil
}

// validateOriginals fails start-up when --originals=s3 lacks what it
// needs, naming the missing setting.
func validateOriginals(c *Config) []error {
	if c.Originals.Store != "s3" {
		return nil
	}
	var errs []error
	need := func(missing bool, flag string) {
		if missing {
			errs = append(errs, fmt.Errorf("setting %s: required with --originals=s3", Describe(flag)))
		}
	}
	need(c.Originals.S3Endpoint == nil, "s3-endpoint")
	need(c.Originals.S3Bucket == "", "s3-bucket")
	need(c.Originals.S3AccessKey == "", "s3-access-key-file")
	need(c.Originals.S3SecretKey == "", "s3-secret-key-file")
	return errs
}
