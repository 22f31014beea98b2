package config_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/civitas-eu/civitas/internal/config"
)

// TestOriginalsSettings: --originals=s3 needs its endpoint, bucket and
// both key files, reads the keys from the files and never puts them in a
// message.
func TestOriginalsSettings(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "access")
	secretFile := filepath.Join(dir, "secret")
	os.WriteFile(keyFile, []byte("AKIAEXAMPLE\n"), 0o600)
	os.WriteFile(secretFile, []byte("s3cr3t-value\n"), 0o600)
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, nil, 0o600)
	full := []string{"--originals=s3", "--s3-endpoint=http://127.0.0.1:9000", "--s3-bucket=civitas",
		"--s3-access-key-file=" + keyFile, "--s3-secret-key-file=" + secretFile}
	tests := []struct {
		name string
		args []string
		want []string // in the error; none: accepted
	}{
		{"default is the database", nil, nil},
		{"s3 complete", full, nil},
		{"s3 without anything", []string{"--originals=s3"}, []string{"--s3-endpoint (CIVITAS_S3_ENDPOINT)", "--s3-bucket", "--s3-access-key-file", "--s3-secret-key-file"}},
		{"unknown store", []string{"--originals=disk"}, []string{"--originals"}},
		{"endpoint with a path", append(append([]string{}, full...), "--s3-endpoint=http://h/bucket"), []string{"--s3-endpoint"}},
		{"empty key file", append(append([]string{}, full...), "--s3-secret-key-file="+empty), []string{"the file is empty"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _, err := config.Load("ingest", tt.args, env(nil), &bytes.Buffer{}, nil)
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				if tt.args != nil && (c.Originals.S3AccessKey != "AKIAEXAMPLE" || c.Originals.S3SecretKey != "s3cr3t-value") {
					t.Errorf("keys not read from their files: %+v", c.Originals)
				}
				return
			}
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "s3cr3t") {
				t.Errorf("error shows the secret key: %v", err)
			}
		})
	}
}
