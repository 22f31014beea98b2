package deploy_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/civitas-eu/civitas/internal/config"
)

// imageEnv returns the ENV of the Dockerfile's runtime stage (the last).
func imageEnv(t *testing.T) map[string]string {
	t.Helper()
	env := map[string]string{}
	for _, in := range loadDockerfile(t) {
		switch in.Keyword {
		case "FROM":
			clear(env)
		case "ENV":
			for _, kv := range strings.Fields(in.Args) {
				if k, v, ok := strings.Cut(kv, "="); ok {
					env[k] = strings.Trim(v, `"`)
				}
			}
		}
	}
	return env
}

// Finding 8: the image listens on every interface, where an empty
// CIVITAS_AUTH once meant development sign-in (every caller one user).
// Started without an explicit CIVITAS_AUTH, the image's settings stop the
// assistant with a message naming it.
func TestImageRefusesToStartWithoutAuth(t *testing.T) {
	t.Parallel()
	env := imageEnv(t)
	if env["CIVITAS_AUTH"] != "" {
		t.Fatalf("Dockerfile sets CIVITAS_AUTH=%s; the operator must choose it", env["CIVITAS_AUTH"])
	}
	if env["CIVITAS_LISTEN"] == "" {
		t.Fatal("Dockerfile sets no CIVITAS_LISTEN")
	}
	// Only the listen address: the image's folders do not exist here.
	getenv := func(k string) string {
		if k == "CIVITAS_LISTEN" {
			return env[k]
		}
		return ""
	}
	_, _, err := config.Load("assistant", nil, getenv, &bytes.Buffer{}, nil)
	if err == nil || !strings.Contains(err.Error(), "CIVITAS_AUTH") {
		t.Errorf("the image's settings without CIVITAS_AUTH: error %v, want one naming CIVITAS_AUTH", err)
	}
}

// compose needs the sign-in mode and the public URL from .env: compose
// itself refuses to start without them, naming the variable, rather than
// the assistant failing in a restart loop (it used to default to oidc
// with no issuer). .env.example chooses oidc, never dev.
func TestComposeAssistantIdentity(t *testing.T) {
	t.Parallel()
	a := mustService(t, loadCompose(t), "assistant")
	for _, name := range []string{"CIVITAS_AUTH", "CIVITAS_PUBLIC_URL"} {
		refs := interpolations(a.Environment[name])
		if len(refs) != 1 || refs[0].Name != name || refs[0].Op != ":?" || !strings.Contains(refs[0].Arg, name) {
			t.Errorf("service assistant: %s %q, want ${%s:?message naming it} (required in .env)", name, a.Environment[name], name)
		}
	}
	if mode := envExample(t)["CIVITAS_AUTH"]; mode != "oidc" && mode != "proxy" {
		t.Errorf(".env.example: CIVITAS_AUTH=%q, want oidc or proxy", mode)
	}
}
