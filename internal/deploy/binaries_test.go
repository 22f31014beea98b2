package deploy_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// testVersion is stamped into the binaries the way the Makefile and the
// Dockerfile do (-ldflags "-X main.version=...").
const testVersion = "v0.0.0-deploytest"

// binDir holds the binaries built once for this package's tests.
var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "civitas-deploy-bin-")
	if err != nil {
		panic(err)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

var (
	buildOnce sync.Once
	buildErr  error
)

// binary returns the path of cmd/<name>, built with testVersion.
func binary(t *testing.T, name string) string {
	t.Helper()
	buildOnce.Do(func() {
		cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-X main.version="+testVersion,
			"-o", binDir+string(filepath.Separator), "../../cmd/assistant", "../../cmd/ingest")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			buildErr = err
			t.Logf("go build: %s", out.String())
		}
	})
	if buildErr != nil {
		t.Fatalf("go build: %v", buildErr)
	}
	return filepath.Join(binDir, name)
}

// TestVersionFlag: both binaries print the version they were built with
// and exit 0, without reading any setting or reaching any service.
func TestVersionFlag(t *testing.T) {
	for _, name := range []string{"assistant", "ingest"} {
		t.Run(name, func(t *testing.T) {
			cmd := exec.CommandContext(t.Context(), binary(t, name), "--version")
			// Settings that would fail start-up: --version reads none.
			cmd.Env = append(os.Environ(), "CIVITAS_LISTEN=0.0.0.0:8080", "CIVITAS_DATABASE_URL=")
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%s --version: %v\n%s", name, err, out)
			}
			if got, want := strings.TrimSpace(string(out)), "civitas "+name+" "+testVersion; got != want {
				t.Errorf("%s --version printed %q, want %q", name, got, want)
			}
		})
	}
}
