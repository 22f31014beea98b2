package deploy_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/civitas-eu/civitas/internal/auth/oidctest"
	"github.com/civitas-eu/civitas/internal/dbtest"
	"github.com/civitas-eu/civitas/internal/ollama/ollamatest"
)

// The containers' environments as compose builds them from compose.yaml,
// the image's ENV and .env (here .env.example with a password set), run
// against the test database and Ollama.

// envExample returns the variables .env.example sets (its uncommented
// NAME=value lines), as compose reads a .env file copied from it.
func envExample(t *testing.T) map[string]string {
	t.Helper()
	data, err := os.ReadFile(envExamplePath)
	if err != nil {
		t.Fatalf("read .env example: %v", err)
	}
	vars := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf(".env.example: line %q is not NAME=value", line)
		}
		vars[k] = v
	}
	return vars
}

// errRequired is compose's refusal of a ${NAME:?message} whose variable
// is unset or empty; compose stops before starting anything.
var errRequired = errors.New("required variable is missing a value")

// interpolate resolves s as compose does: $$ is a literal $, and
// ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?message},
// ${NAME?message}, ${NAME:+alt}, ${NAME+alt} take their value from vars.
func interpolate(s string, vars map[string]string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case strings.HasPrefix(s[i:], "$$"):
			b.WriteByte('$')
			i++
		case strings.HasPrefix(s[i:], "${"):
			end := strings.IndexByte(s[i:], '}')
			if end < 0 {
				return "", fmt.Errorf("unterminated ${ in %q", s)
			}
			m := varRef.FindStringSubmatch(s[i : i+end+1])
			if m == nil {
				return "", fmt.Errorf("bad reference %q", s[i:i+end+1])
			}
			name, op, arg := m[1], m[2], m[3]
			v, set := vars[name]
			switch {
			case op == ":-" && v == "", op == "-" && !set:
				v = arg
			case op == ":?" && v == "", op == "?" && !set:
				return "", fmt.Errorf("%w: %s: %s", errRequired, name, arg)
			case op == ":+" && v != "", op == "+" && set:
				v = arg
			case op == ":+", op == "+":
				v = ""
			}
			b.WriteString(v)
			i += end
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String(), nil
}

// stageEnv returns the ENV of the Dockerfile stage target.
func stageEnv(t *testing.T, target string) map[string]string {
	t.Helper()
	env := map[string]string{}
	for _, kv := range strings.Fields(mustStage(t, loadStages(t), target).args("ENV")) {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = strings.Trim(v, `"`)
		}
	}
	return env
}

// containerEnv is the environment compose gives service's container: the
// image's ENV, then the service's environment interpolated with vars.
func containerEnv(t *testing.T, service string, vars map[string]string) (map[string]string, error) {
	t.Helper()
	s := mustService(t, loadCompose(t), service)
	target := "assistant"
	if s.Build != nil && s.Build.Target != "" {
		target = s.Build.Target
	} else if s.Image == mustService(t, loadCompose(t), "worker").Image {
		target = "worker"
	}
	env := stageEnv(t, target)
	var errs []error
	for k, raw := range s.Environment {
		v, err := interpolate(raw, vars)
		errs = append(errs, err)
		env[k] = v
	}
	return env, errors.Join(errs...)
}

// composeModels are the model names compose gives the assistant. The
// test Ollama lacks them (readiness does not need them); cleaning up
// removes them from the shared active-models table if this test seeded
// them there.
func dropSeededModels(t *testing.T, dbURL string, vars map[string]string) {
	t.Helper()
	env, _ := containerEnv(t, "assistant", vars)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, dbURL)
		if err != nil {
			t.Logf("cleanup: %v", err)
			return
		}
		defer conn.Close(ctx)
		_, _ = conn.Exec(ctx, "DELETE FROM active_models WHERE model = $1 OR model = $2", env["CIVITAS_CHAT_MODEL"], env["CIVITAS_EMBED_MODEL"])
	})
}

// TestComposeEnvStartsAssistant: `cp .env.example .env`, a password, and
// the containers' environments start: migrate exits 0, the assistant (with
// the sign-in .env.example chooses, oidc) becomes ready and sends users to
// the provider, the worker passes its compose health check. Only the
// addresses of the database, Ollama, the provider and the listen ports are
// changed to this machine's (devStack); the demo Keycloak is replaced by
// the repository's test OpenID provider, with .env.example's client.
func TestComposeEnvStartsAssistant(t *testing.T) {
	dbtest.LockActiveModels(t)
	dbURL := dbtest.URL(t)
	ollamatest.Client(t) // skips or fails like every test needing Ollama
	vars := envExample(t)
	vars["POSTGRES_PASSWORD"] = "0123456789abcdef"
	vars["POSTGRES_APP_PASSWORD"] = "fedcba9876543210"
	dropSeededModels(t, dbURL, vars)
	// The db service's first start: its init script creates the app role.
	createComposeAppRole(t, dbURL, vars["POSTGRES_APP_PASSWORD"])

	assistantEnv, err := containerEnv(t, "assistant", vars)
	if err != nil {
		t.Fatalf("compose would refuse .env.example with a password: %v", err)
	}
	if assistantEnv["CIVITAS_AUTH"] != "oidc" {
		t.Fatalf("CIVITAS_AUTH=%q from .env.example, want oidc", assistantEnv["CIVITAS_AUTH"])
	}
	clientID := assistantEnv["CIVITAS_OIDC_CLIENT_ID"]
	provider := oidctest.Start(t, []oidctest.Client{{ID: clientID, Secret: assistantEnv["CIVITAS_OIDC_CLIENT_SECRET"],
		RedirectURIs: []string{assistantEnv["CIVITAS_OIDC_REDIRECT_URL"]}}},
		[]oidctest.User{{Name: "alice", Password: "alice-demo-pw", Groups: []string{"admin"}}})
	stack := devStack{dbURL: dbURL, ollamaURL: os.Getenv(ollamatest.EnvURL), issuer: provider.Issuer, uploads: t.TempDir()}

	// migrate: the one-off the servers wait for.
	migrateEnv, err := containerEnv(t, "migrate", vars)
	if err != nil {
		t.Fatal(err)
	}
	stack.apply(t, migrateEnv)
	mig := mustService(t, loadCompose(t), "migrate").Command
	cmd := exec.CommandContext(t.Context(), binary(t, mig[0]), mig[1:]...)
	cmd.Env = environ(migrateEnv)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("migrate service (%v) failed: %v\n%s", mig, err, out)
	}
	checkAppRoleGrants(t, dbURL)

	stack.apply(t, assistantEnv)
	out, done := startProcess(t, assistantEnv) // the image's CMD
	_, port, _ := net.SplitHostPort(assistantEnv["CIVITAS_LISTEN"])
	base := "http://127.0.0.1:" + port
	waitFor(t, "assistant /readyz", out, done, func() error {
		resp, err := http.Get(base + "/readyz")
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("/readyz %d", resp.StatusCode)
		}
		return nil
	})

	// Signing in goes to the provider, for the public URL's host.
	req, _ := http.NewRequest(http.MethodGet, base+"/auth/login", nil)
	req.Host = strings.TrimPrefix(strings.TrimPrefix(assistantEnv["CIVITAS_PUBLIC_URL"], "http://"), "https://")
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); resp.StatusCode/100 != 3 || !strings.HasPrefix(loc, provider.Issuer) {
		t.Errorf("GET /auth/login = %d to %q, want a redirect to the provider %s", resp.StatusCode, loc, provider.Issuer)
	}

	// The compose health checks, with the containers' environments.
	healthcheck := func(env map[string]string, test []string) func() error {
		return func() error {
			c := exec.CommandContext(t.Context(), binary(t, "assistant"), test[2:]...)
			c.Env = environ(env)
			if out, err := c.CombinedOutput(); err != nil {
				return fmt.Errorf("%v: %v: %s", test, err, out)
			}
			return nil
		}
	}
	f := loadCompose(t)
	waitFor(t, "assistant health check", out, done, healthcheck(assistantEnv, f.Services["assistant"].Healthcheck.Test))

	workerEnv, err := containerEnv(t, "worker", vars)
	if err != nil {
		t.Fatal(err)
	}
	stack.apply(t, workerEnv)
	w := f.Services["worker"].Command
	wout, wdone := startProcess(t, workerEnv, w[1:]...)
	waitFor(t, "worker health check", wout, wdone, healthcheck(workerEnv, f.Services["worker"].Healthcheck.Test))
}

// TestComposeRefusesWithoutSignIn: with .env.example's sign-in settings
// left out, compose itself refuses to start and names CIVITAS_AUTH; and
// the assistant, given the container's environment without them (or oidc
// without an issuer), exits at once naming the setting instead of
// serving, where compose's bounded restart policy leaves it stopped.
func TestComposeRefusesWithoutSignIn(t *testing.T) {
	vars := envExample(t)
	vars["POSTGRES_PASSWORD"] = "0123456789abcdef"
	vars["POSTGRES_APP_PASSWORD"] = "fedcba9876543210"
	for k := range vars {
		if k == "CIVITAS_AUTH" || strings.HasPrefix(k, "CIVITAS_OIDC_") {
			delete(vars, k)
		}
	}
	_, err := containerEnv(t, "assistant", vars)
	if !errors.Is(err, errRequired) || !strings.Contains(err.Error(), "CIVITAS_AUTH") {
		t.Errorf("compose with .env.example minus sign-in: %v, want a refusal naming CIVITAS_AUTH", err)
	}

	// The assistant itself, as if compose let it start.
	base, _ := containerEnv(t, "assistant", map[string]string{"POSTGRES_PASSWORD": "x", "POSTGRES_APP_PASSWORD": "y", "CIVITAS_PUBLIC_URL": "http://localhost:8080", "CIVITAS_AUTH": "oidc"})
	tests := []struct {
		name string
		set  map[string]string
		want *regexp.Regexp
	}{
		{"no CIVITAS_AUTH", map[string]string{"CIVITAS_AUTH": ""}, regexp.MustCompile(`CIVITAS_AUTH`)},
		{"oidc without issuer", map[string]string{"CIVITAS_OIDC_ISSUER": ""}, regexp.MustCompile(`oidc-issuer`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{}
			for k, v := range base {
				env[k] = v
			}
			for k, v := range tt.set {
				env[k] = v
			}
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, binary(t, "assistant"))
			cmd.Env = environ(env)
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 1 || !tt.want.Match(out) {
				t.Errorf("assistant exited with %v, output:\n%s\nwant exit status 1 and a message matching %s", err, out, tt.want)
			}
		})
	}
}
