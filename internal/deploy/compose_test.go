package deploy_test

import (
	"os"
	"regexp"
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
