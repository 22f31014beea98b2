package deploy_test

import (
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// Paths of the deployment files, relative to this package.
const (
	composePath    = "../../compose.yaml"
	envExamplePath = "../../.env.example"
	dockerfilePath = "../../Dockerfile"
)

// composeFile is the part of the Compose file format that the tests check.
type composeFile struct {
	Services map[string]service `yaml:"services"`
	Volumes  map[string]any     `yaml:"volumes"`
	Networks map[string]network `yaml:"networks"`
}

// network is one entry under networks.
type network struct {
	Internal bool `yaml:"internal"`
}

// service is one entry under services. compose.yaml uses the list form for
// entrypoint, command, volumes and ports and the map form for environment and
// depends_on; decoding fails if it stops doing so.
type service struct {
	Image       string                `yaml:"image"`
	Build       *build                `yaml:"build"`
	Restart     string                `yaml:"restart"`
	Networks    []string              `yaml:"networks"`
	ReadOnly    bool                  `yaml:"read_only"`
	Profiles    []string              `yaml:"profiles"`
	DependsOn   map[string]dependency `yaml:"depends_on"`
	Environment map[string]string     `yaml:"environment"`
	Volumes     []string              `yaml:"volumes"`
	Ports       []string              `yaml:"ports"`
	Healthcheck *healthcheck          `yaml:"healthcheck"`
	Entrypoint  []string              `yaml:"entrypoint"`
	Command     []string              `yaml:"command"`
}

// build is the long form of a service's build.
type build struct {
	Context string `yaml:"context"`
	Target  string `yaml:"target"`
}

// dependency is the long form of a depends_on entry.
type dependency struct {
	Condition string `yaml:"condition"`
	Required  *bool  `yaml:"required"`
}

// healthcheck is a service's healthcheck; Test is in the list form
// (["CMD", ...] or ["CMD-SHELL", "..."]).
type healthcheck struct {
	Test []string `yaml:"test"`
}

// loadCompose reads and decodes compose.yaml, failing the test on error.
func loadCompose(t *testing.T) composeFile {
	t.Helper()
	data, err := os.ReadFile(composePath)
	if err != nil {
		t.Fatalf("read compose file: %v", err)
	}
	var f composeFile
	if err := yaml.Unmarshal(data, &f); err != nil {
		t.Fatalf("decode %s: %v", composePath, err)
	}
	return f
}

// mustService returns the named service, failing the test if it is missing.
func mustService(t *testing.T, f composeFile, name string) service {
	t.Helper()
	s, ok := f.Services[name]
	if !ok {
		t.Fatalf("compose.yaml: service %q is missing", name)
	}
	return s
}

// varRef matches a Compose interpolation: ${NAME}, ${NAME:-default},
// ${NAME-default}, ${NAME:?error}, ${NAME?error}, ${NAME:+alt}, ${NAME+alt}.
var varRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}`)

// interpolation is one ${...} reference found in a Compose value.
type interpolation struct {
	Name string // variable name
	Op   string // "", ":-", "-", ":?", "?", ":+" or "+"
	Arg  string // default value, error message or alternative
}

// interpolations returns the ${...} references in s, ignoring $$-escaped
// text, which Compose passes through to the container as a literal "$".
func interpolations(s string) []interpolation {
	s = strings.ReplaceAll(s, "$$", "")
	var refs []interpolation
	for _, m := range varRef.FindAllStringSubmatch(s, -1) {
		refs = append(refs, interpolation{Name: m[1], Op: m[2], Arg: m[3]})
	}
	return refs
}

// expandDefaults resolves s as Compose would with an empty .env: defaults are
// used, and variables that must be set get the placeholder "set".
func expandDefaults(s string) string {
	return varRef.ReplaceAllStringFunc(s, func(ref string) string {
		m := varRef.FindStringSubmatch(ref)
		switch m[2] {
		case ":-", "-":
			return m[3]
		default:
			return "set"
		}
	})
}

// mountParts splits a short-syntax volume "source:target[:mode]" after
// expanding its defaults.
func mountParts(t *testing.T, mount string) (source, target, mode string) {
	t.Helper()
	parts := strings.Split(expandDefaults(mount), ":")
	switch len(parts) {
	case 2:
		return parts[0], parts[1], ""
	case 3:
		return parts[0], parts[1], parts[2]
	default:
		t.Fatalf("volume %q: want source:target[:mode]", mount)
		return "", "", ""
	}
}

func TestComposeServicesExist(t *testing.T) {
	t.Parallel()
	f := loadCompose(t)
	for _, name := range []string{"db", "ollama", "ollama-pull", "migrate", "assistant", "worker", "ingest", "keycloak"} {
		if _, ok := f.Services[name]; !ok {
			t.Errorf("compose.yaml: service %q is missing", name)
		}
	}
}

func TestComposeStatefulServicesUseNamedVolumes(t *testing.T) {
	t.Parallel()
	f := loadCompose(t)
	tests := []struct {
		service string
		volume  string
		target  string
	}{
		{service: "db", volume: "pgdata", target: "/var/lib/postgresql/data"},
		{service: "ollama", volume: "ollama", target: "/root/.ollama"},
	}
	for _, tt := range tests {
		t.Run(tt.service, func(t *testing.T) {
			t.Parallel()
			if _, ok := f.Volumes[tt.volume]; !ok {
				t.Errorf("compose.yaml: named volume %q is not declared under the top-level volumes", tt.volume)
			}
			s := mustService(t, f, tt.service)
			found := false
			for _, m := range s.Volumes {
				source, target, _ := mountParts(t, m)
				if source == tt.volume && target == tt.target {
					found = true
				}
			}
			if !found {
				t.Errorf("service %s: volumes %q do not mount named volume %q at %s", tt.service, s.Volumes, tt.volume, tt.target)
			}
			if s.Healthcheck == nil || len(s.Healthcheck.Test) < 2 {
				t.Errorf("service %s: needs a healthcheck so that dependants can wait for service_healthy", tt.service)
			}
		})
	}
}

func TestComposeDB(t *testing.T) {
	t.Parallel()
	db := mustService(t, loadCompose(t), "db")
	repo, tag, _ := strings.Cut(db.Image, ":")
	if repo != "pgvector/pgvector" || !strings.Contains(tag, "pg17") {
		t.Errorf("service db: image %q, want pgvector/pgvector with a pg17 tag", db.Image)
	}
	if db.Healthcheck != nil && !strings.Contains(strings.Join(db.Healthcheck.Test, " "), "pg_isready") {
		t.Errorf("service db: healthcheck %q should run pg_isready", db.Healthcheck.Test)
	}
	for _, name := range []string{"POSTGRES_DB", "POSTGRES_USER", "POSTGRES_PASSWORD"} {
		if db.Environment[name] == "" {
			t.Errorf("service db: environment %s is not set", name)
		}
	}
	for _, ref := range interpolations(db.Environment["POSTGRES_PASSWORD"]) {
		if ref.Name == "POSTGRES_PASSWORD" && ref.Op != ":?" {
			t.Errorf("service db: POSTGRES_PASSWORD uses ${POSTGRES_PASSWORD%s...}, want ${POSTGRES_PASSWORD:?...} so that an unset password stops compose", ref.Op)
		}
	}
}

func TestComposeOllama(t *testing.T) {
	t.Parallel()
	f := loadCompose(t)
	for _, name := range []string{"ollama", "ollama-pull"} {
		s := mustService(t, f, name)
		image, digest, pinned := strings.Cut(s.Image, "@")
		repo, tag, _ := strings.Cut(image, ":")
		if repo != "ollama/ollama" {
			t.Errorf("service %s: image %q, want ollama/ollama", name, s.Image)
		}
		if !regexp.MustCompile(`^\d+\.\d+\.\d+$`).MatchString(tag) {
			t.Errorf("service %s: image %q must be pinned to a version such as ollama/ollama:0.17.4, not %q", name, s.Image, tag)
		}
		if pinned && !regexp.MustCompile(`^sha256:[0-9a-f]{64}$`).MatchString(digest) {
			t.Errorf("service %s: image %q: malformed digest", name, s.Image)
		}
	}
	if a, b := f.Services["ollama"].Image, f.Services["ollama-pull"].Image; a != b {
		t.Errorf("services ollama and ollama-pull use different images %q and %q", a, b)
	}
}

// TestComposeOllamaPull: the model download is a one-off of its own
// profile that runs its own Ollama on the egress network, so that the
// serving Ollama stays on the internal network.
func TestComposeOllamaPull(t *testing.T) {
	t.Parallel()
	f := loadCompose(t)
	pull := mustService(t, f, "ollama-pull")
	if pull.Restart != "no" {
		t.Errorf(`service ollama-pull: restart %q, want "no" (it is a one-shot job)`, pull.Restart)
	}
	if !slices.Contains(pull.Profiles, "pull") {
		t.Errorf("service ollama-pull: profiles %q, want pull (a one-off, not part of every up)", pull.Profiles)
	}
	if got := pull.Environment["OLLAMA_HOST"]; got != "127.0.0.1:11434" {
		t.Errorf("service ollama-pull: OLLAMA_HOST %q, want its own server on 127.0.0.1:11434", got)
	}
	for _, n := range pull.Networks {
		if f.Networks[n].Internal {
			t.Errorf("service ollama-pull: on internal network %s; it is the one service that downloads", n)
		}
		if slices.Contains(mustService(t, f, "ollama").Networks, n) || slices.Contains(mustService(t, f, "db").Networks, n) {
			t.Errorf("service ollama-pull: shares network %s with the database or the serving Ollama", n)
		}
	}
	script := strings.Join(append(slices.Clone(pull.Entrypoint), pull.Command...), " ")
	for _, name := range []string{"CIVITAS_CHAT_MODEL", "CIVITAS_EMBED_MODEL"} {
		if !strings.Contains(script, "ollama serve") || !strings.Contains(script, "ollama pull") || !strings.Contains(script, name) {
			t.Errorf("service ollama-pull: entrypoint and command %q should run ollama serve and ollama pull $%s", script, name)
		}
	}
}

// TestComposeNetworks: PostgreSQL, Ollama and the worker have no route out
// (only internal networks); the assistant reaches the published port and
// the identity provider through a second one.
func TestComposeNetworks(t *testing.T) {
	t.Parallel()
	f := loadCompose(t)
	for _, name := range []string{"db", "ollama", "worker", "migrate", "ingest"} {
		s := mustService(t, f, name)
		if len(s.Networks) == 0 {
			t.Errorf("service %s: no networks: it would join the default one, which has a route out", name)
		}
		for _, n := range s.Networks {
			if !f.Networks[n].Internal {
				t.Errorf("service %s: network %s is not internal: true", name, n)
			}
		}
	}
	a := mustService(t, f, "assistant")
	if !slices.ContainsFunc(a.Networks, func(n string) bool { return f.Networks[n].Internal }) {
		t.Errorf("service assistant: networks %q, want the internal backend too", a.Networks)
	}
}

// TestComposeHealthchecksAndRestarts: every service has a health check (the
// distroless ones run `assistant healthcheck`, no shell), and no service
// running a Civitas binary restarts forever on a configuration error.
func TestComposeHealthchecksAndRestarts(t *testing.T) {
	t.Parallel()
	f := loadCompose(t)
	for name, s := range f.Services {
		if s.Healthcheck == nil || len(s.Healthcheck.Test) < 2 {
			t.Errorf("service %s: no healthcheck", name)
		}
	}
	for name, want := range map[string]string{"assistant": "assistant healthcheck", "worker": "assistant healthcheck --operator"} {
		if got := strings.Join(mustService(t, f, name).Healthcheck.Test, " "); got != "CMD /usr/local/bin/"+want {
			t.Errorf("service %s: healthcheck %q, want CMD /usr/local/bin/%s", name, got, want)
		}
	}
	bounded := regexp.MustCompile(`^(no|on-failure:[1-9][0-9]?)$`)
	for _, name := range []string{"assistant", "worker", "migrate", "ingest", "keycloak", "ollama-pull"} {
		if r := mustService(t, f, name).Restart; !bounded.MatchString(r) {
			t.Errorf("service %s: restart %q, want \"no\" or on-failure:N, so that a refused setting stops it instead of a restart loop", name, r)
		}
	}
}

func TestComposeDependencies(t *testing.T) {
	t.Parallel()
	f := loadCompose(t)
	tests := []struct {
		service   string
		dependsOn string
		condition string
	}{
		{service: "assistant", dependsOn: "db", condition: "service_healthy"},
		{service: "assistant", dependsOn: "ollama", condition: "service_healthy"},
		{service: "assistant", dependsOn: "ollama-pull", condition: "service_completed_successfully"},
		{service: "assistant", dependsOn: "migrate", condition: "service_completed_successfully"},
		{service: "worker", dependsOn: "migrate", condition: "service_completed_successfully"},
		{service: "worker", dependsOn: "ollama", condition: "service_healthy"},
		{service: "migrate", dependsOn: "db", condition: "service_healthy"},
		{service: "ingest", dependsOn: "db", condition: "service_healthy"},
		{service: "ingest", dependsOn: "ollama", condition: "service_healthy"},
		{service: "ingest", dependsOn: "migrate", condition: "service_completed_successfully"},
	}
	for _, tt := range tests {
		s := mustService(t, f, tt.service)
		dep, ok := s.DependsOn[tt.dependsOn]
		if !ok {
			t.Errorf("service %s: does not depend on %s", tt.service, tt.dependsOn)
			continue
		}
		if dep.Condition != tt.condition {
			t.Errorf("service %s: depends_on %s condition %q, want %s", tt.service, tt.dependsOn, dep.Condition, tt.condition)
		}
	}
}

func TestComposeOnlyAssistantPublishesPorts(t *testing.T) {
	t.Parallel()
	f := loadCompose(t)
	for name, s := range f.Services {
		switch {
		case name == "keycloak":
			// The demo provider, published on loopback for the browser.
			for _, p := range s.Ports {
				if !strings.HasPrefix(p, "127.0.0.1:") {
					t.Errorf("service keycloak: port %q, want loopback only", p)
				}
			}
		case name != "assistant" && len(s.Ports) > 0:
			t.Errorf("service %s: publishes ports %q; only the assistant may (PostgreSQL and Ollama stay internal)", name, s.Ports)
		}
	}
	a := mustService(t, f, "assistant")
	if len(a.Ports) != 1 {
		t.Fatalf("service assistant: ports %q, want exactly one", a.Ports)
	}
	mapping := expandDefaults(a.Ports[0])
	i := strings.LastIndex(mapping, ":")
	host, container := mapping[:max(i, 0)], mapping[i+1:]
	if container != "8080" {
		t.Errorf("service assistant: port %q should map to container port 8080", a.Ports[0])
	}
	if !strings.HasPrefix(host, "127.0.0.1:") {
		t.Errorf("service assistant: port %q publishes on %q by default, want loopback (127.0.0.1)", a.Ports[0], host)
	}
}

func TestComposeServiceURLs(t *testing.T) {
	t.Parallel()
	f := loadCompose(t)
	tests := []struct {
		variable string
		scheme   string
		host     string
	}{
		{variable: "CIVITAS_DATABASE_URL", scheme: "postgres", host: "db:5432"},
		{variable: "CIVITAS_OLLAMA_URL", scheme: "http", host: "ollama:11434"},
	}
	for _, name := range []string{"assistant", "ingest"} {
		s := mustService(t, f, name)
		for _, tt := range tests {
			raw, ok := s.Environment[tt.variable]
			if !ok {
				t.Errorf("service %s: %s is not set", name, tt.variable)
				continue
			}
			u, err := url.Parse(expandDefaults(raw))
			if err != nil {
				t.Errorf("service %s: %s %q: %v", name, tt.variable, raw, err)
				continue
			}
			if u.Scheme != tt.scheme || u.Host != tt.host {
				t.Errorf("service %s: %s %q points at %s://%s, want %s://%s", name, tt.variable, raw, u.Scheme, u.Host, tt.scheme, tt.host)
			}
		}
	}
}

func TestComposeIngest(t *testing.T) {
	t.Parallel()
	f := loadCompose(t)
	in := mustService(t, f, "ingest")
	if !slices.Contains(in.Profiles, "tools") {
		t.Errorf("service ingest: profiles %q, want tools (so that docker compose up does not start it)", in.Profiles)
	}
	if in.Image != f.Services["worker"].Image {
		t.Errorf("service ingest: image %q, want the worker's %q (it has tesseract and poppler for scanned PDFs)", in.Image, f.Services["worker"].Image)
	}
	if len(in.Entrypoint) == 0 || !strings.HasSuffix(in.Entrypoint[0], "ingest") {
		t.Errorf("service ingest: entrypoint %q, want the ingest binary", in.Entrypoint)
	}
	readOnly := false
	for _, m := range in.Volumes {
		_, target, mode := mountParts(t, m)
		if mode == "ro" && slices.Contains(in.Command, target) {
			readOnly = true
		}
	}
	if !readOnly {
		t.Errorf("service ingest: volumes %q, command %q: want the documents folder mounted read-only (:ro) and passed as the argument", in.Volumes, in.Command)
	}
}
