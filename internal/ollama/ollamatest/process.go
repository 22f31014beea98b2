package ollamatest

import (
	"context"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/civitas-eu/civitas/internal/dbtest"
	"github.com/civitas-eu/civitas/internal/ollama"
)

// EnvBinary names the variable holding the path of the Ollama binary that
// tests start their own servers with; scripts/test.sh exports it.
const EnvBinary = "CIVITAS_OLLAMA_BIN"

// Process is an Ollama server a test started on a port of its own, with
// its own models folder, so that it can stop and restart it (a host that
// dies and comes back) without touching the shared server.
type Process struct {
	URL    *url.URL
	tb     testing.TB
	bin    string
	models string
	cmd    *exec.Cmd
	done   chan struct{}
}

// Binary returns the Ollama binary: $CIVITAS_OLLAMA_BIN, or the one
// scripts/lib.sh downloads to ~/.cache/civitas. Without it the test skips,
// or fails when services are required.
func Binary(tb testing.TB) string {
	tb.Helper()
	bin := os.Getenv(EnvBinary)
	if bin == "" {
		home, _ := os.UserHomeDir()
		bin = filepath.Join(home, ".cache", "civitas", "ollama-0.17.4")
	}
	if st, err := os.Stat(bin); err != nil || st.IsDir() || st.Mode()&0o111 == 0 {
		dbtest.Unavailable(tb, "no Ollama binary at "+bin+" (set "+EnvBinary+"; scripts/test.sh does): skipping a test that starts its own Ollama servers")
	}
	return bin
}

// StartProcess starts an Ollama server on a free loopback port with an
// empty models folder, waits until it answers and stops it when the test
// ends.
func StartProcess(tb testing.TB) *Process {
	tb.Helper()
	bin := Binary(tb)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	p := &Process{URL: &url.URL{Scheme: "http", Host: addr}, tb: tb, bin: bin, models: tb.TempDir()}
	p.Start()
	tb.Cleanup(p.Stop)
	return p
}

// Client returns a client of the process's server.
func (p *Process) Client() *ollama.Client { return ollama.New(p.URL, nil) }

// Start (re)starts the server on its port and waits until it answers.
func (p *Process) Start() {
	p.tb.Helper()
	if p.cmd != nil {
		p.tb.Fatalf("ollama at %s is already running", p.URL)
	}
	cmd := exec.Command(p.bin, "serve")
	cmd.Env = append(os.Environ(), "OLLAMA_HOST="+p.URL.Host, "OLLAMA_MODELS="+p.models, "OLLAMA_NOPRUNE=1", "HOME="+p.models)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		p.tb.Fatalf("start ollama: %v", err)
	}
	p.cmd, p.done = cmd, make(chan struct{})
	go func(done chan struct{}) { _ = cmd.Wait(); close(done) }(p.done)
	c := p.Client()
	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, err := c.Version(ctx)
		cancel()
		if err == nil {
			return
		}
		select {
		case <-p.done:
			p.cmd = nil
			p.tb.Fatalf("ollama at %s exited at start", p.URL)
		default:
		}
		if time.Now().After(deadline) {
			p.tb.Fatalf("ollama at %s did not answer within 60s: %v", p.URL, err)
		}
		time.Sleep(100 * time.Millisecond) // polling interval, bounded by the deadline
	}
}

// Stop kills the server and its runners (the whole process group) and
// waits for it; stopping a stopped server does nothing.
func (p *Process) Stop() {
	if p.cmd == nil {
		return
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	<-p.done
	p.cmd = nil
}
