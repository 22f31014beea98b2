package deploy_test

import (
	"bytes"
	"net"
	"net/url"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Running the assistant binary with a container's environment on this
// machine: free ports, the dev stack's addresses, output and waiting.

// freePort returns a port nothing listens on now.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port
}

// withPort keeps the host of a host:port and replaces the port.
func withPort(t *testing.T, hostport, port string) string {
	t.Helper()
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		t.Fatalf("%q: %v", hostport, err)
	}
	return net.JoinHostPort(host, port)
}

// devStack overrides what must point at this machine instead of the
// compose network, and nothing else: the database and Ollama URLs, the
// listen ports (free ones), the OpenID provider (oidctest in place of the
// demo Keycloak), and the image's folders (the repository's prompts and a
// temporary uploads volume).
//
// The database URL keeps compose's login when it is the app role's (the
// test database's owner stands in for POSTGRES_USER). On PGlite the login
// name is accepted but not checked: every connection is the server's one
// session, so there the app role's services run as the owner, and
// checkAppRoleGrants shows what migrate granted instead.
type devStack struct {
	dbURL, ollamaURL, issuer, uploads string
}

func (d devStack) apply(t *testing.T, env map[string]string) {
	t.Helper()
	db, err := url.Parse(d.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	if u, err := url.Parse(env["CIVITAS_DATABASE_URL"]); err != nil {
		t.Fatalf("CIVITAS_DATABASE_URL: %v", err)
	} else if u.User.Username() == composeAppRole {
		db.User = u.User
	}
	env["CIVITAS_DATABASE_URL"] = db.String()
	env["CIVITAS_OLLAMA_URL"] = d.ollamaURL
	env["CIVITAS_LISTEN"] = withPort(t, env["CIVITAS_LISTEN"], freePort(t))
	env["CIVITAS_METRICS_LISTEN"] = withPort(t, env["CIVITAS_METRICS_LISTEN"], freePort(t))
	if env["CIVITAS_OIDC_ISSUER"] != "" {
		env["CIVITAS_OIDC_ISSUER"] = d.issuer
	}
	prompts, _ := filepath.Abs("../../prompts")
	env["CIVITAS_PROMPTS_DIR"] = prompts
	env["CIVITAS_UPLOAD_DIR"] = d.uploads
}

func environ(env map[string]string) []string {
	var out []string
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	return out
}

// lockedBuffer is a process's output, read while it runs.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startProcess runs the assistant binary with args and env until the test
// ends (then SIGTERM, as docker stop); done reports its exit.
func startProcess(t *testing.T, env map[string]string, args ...string) (out *lockedBuffer, done <-chan error) {
	t.Helper()
	out = &lockedBuffer{}
	cmd := exec.Command(binary(t, "assistant"), args...)
	cmd.Env, cmd.Stdout, cmd.Stderr = environ(env), out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ch := make(chan error, 1)
	go func() { ch <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-ch:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			t.Errorf("assistant %v did not stop within 30s of SIGTERM", args)
		}
	})
	return out, ch
}

// waitFor polls check until it succeeds, the process ends or the deadline
// passes.
func waitFor(t *testing.T, what string, out *lockedBuffer, done <-chan error, check func() error) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		err := check()
		if err == nil {
			return
		}
		select {
		case exit := <-done:
			t.Fatalf("%s: the process exited (%v) before:\n%s", what, exit, out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %v\n%s", what, err, out.String())
		}
		time.Sleep(250 * time.Millisecond)
	}
}
