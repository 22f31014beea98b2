package deploy_test

import (
	"bufio"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// dockerInstruction is one instruction of a Dockerfile with its continuation
// lines joined.
type dockerInstruction struct {
	Keyword string // upper-case, e.g. "FROM"
	Args    string
}

// loadDockerfile reads the Dockerfile into instructions, dropping comments.
func loadDockerfile(t *testing.T) []dockerInstruction {
	t.Helper()
	file, err := os.Open(dockerfilePath)
	if err != nil {
		t.Fatalf("open Dockerfile: %v", err)
	}
	defer file.Close()
	var (
		out     []dockerInstruction
		pending string
	)
	sc := bufio.NewScanner(file)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "#") || (line == "" && pending == "") {
			continue
		}
		if cont, ok := strings.CutSuffix(line, `\`); ok {
			pending += cont + " "
			continue
		}
		full := strings.TrimSpace(pending + line)
		pending = ""
		keyword, args, _ := strings.Cut(full, " ")
		out = append(out, dockerInstruction{Keyword: strings.ToUpper(keyword), Args: strings.TrimSpace(args)})
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read Dockerfile: %v", err)
	}
	return out
}

func TestDockerfileBuildsBothCommands(t *testing.T) {
	t.Parallel()
	built := false
	for _, in := range loadDockerfile(t) {
		if in.Keyword == "RUN" && strings.Contains(in.Args, "go build") &&
			strings.Contains(in.Args, "./cmd/assistant") && strings.Contains(in.Args, "./cmd/ingest") {
			built = true
			if !strings.Contains(in.Args, "CGO_ENABLED=0") {
				t.Errorf("Dockerfile: %q should build with CGO_ENABLED=0 for the static runtime image", in.Args)
			}
		}
	}
	if !built {
		t.Error("Dockerfile: no RUN go build of both ./cmd/assistant and ./cmd/ingest")
	}
}

func TestDockerfileRunsAsNonRoot(t *testing.T) {
	t.Parallel()
	var base, user string
	for _, in := range loadDockerfile(t) {
		switch in.Keyword {
		case "FROM":
			// A new stage: only the last one is the runtime image.
			base, _, _ = strings.Cut(in.Args, " ")
			user = ""
		case "USER":
			user = in.Args
		}
	}
	if base == "" {
		t.Fatal("Dockerfile: no FROM instruction")
	}
	if user != "" {
		name, _, _ := strings.Cut(user, ":")
		if name == "root" || name == "0" {
			t.Errorf("Dockerfile: runtime stage runs as USER %s, want a non-root user", user)
		}
		return
	}
	if !strings.HasSuffix(base, ":nonroot") {
		t.Errorf("Dockerfile: runtime stage FROM %s has no USER line and is not a :nonroot image", base)
	}
}

// dockerStage is one FROM ... [AS name] of the Dockerfile and its
// instructions.
type dockerStage struct {
	Base, Name string
	Body       []dockerInstruction
}

func loadStages(t *testing.T) []dockerStage {
	t.Helper()
	var stages []dockerStage
	for _, in := range loadDockerfile(t) {
		if in.Keyword == "FROM" {
			f := strings.Fields(in.Args)
			st := dockerStage{Base: f[0]}
			if len(f) == 3 && strings.EqualFold(f[1], "AS") {
				st.Name = f[2]
			}
			stages = append(stages, st)
			continue
		}
		if len(stages) > 0 {
			stages[len(stages)-1].Body = append(stages[len(stages)-1].Body, in)
		}
	}
	return stages
}

// args returns the arguments of every instruction with keyword, joined.
func (s dockerStage) args(keyword string) string {
	var out []string
	for _, in := range s.Body {
		if in.Keyword == keyword {
			out = append(out, in.Args)
		}
	}
	return strings.Join(out, "\n")
}

// user is the stage's last USER.
func (s dockerStage) user() string {
	u := ""
	for _, in := range s.Body {
		if in.Keyword == "USER" {
			u = in.Args
		}
	}
	return u
}

func mustStage(t *testing.T, stages []dockerStage, name string) dockerStage {
	t.Helper()
	for _, s := range stages {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("Dockerfile: no stage %q (docker build --target %s)", name, name)
	return dockerStage{}
}

// numericNonRoot matches a USER of uid[:gid] numbers other than 0.
var numericNonRoot = regexp.MustCompile(`^[1-9][0-9]*(:[1-9][0-9]*)?$`)

// TestDockerfileWorkerTarget: `--target worker` is the image that can OCR
// scanned PDFs (tesseract with German, French and English, poppler's
// pdftoppm), as a numeric non-root user, with TMPDIR on a writable mount
// (the root file system is read-only), running `assistant worker`; the
// default target stays the distroless assistant.
func TestDockerfileWorkerTarget(t *testing.T) {
	t.Parallel()
	stages := loadStages(t)
	w := mustStage(t, stages, "worker")
	if !strings.HasPrefix(w.Base, "debian:bookworm-slim") {
		t.Errorf("worker stage FROM %s, want debian:bookworm-slim", w.Base)
	}
	install := w.args("RUN")
	if !strings.Contains(install, "apt-get install") || !strings.Contains(install, "--no-install-recommends") {
		t.Errorf("worker stage: want apt-get install --no-install-recommends, got %q", install)
	}
	for _, pkg := range []string{"tesseract-ocr", "tesseract-ocr-deu", "tesseract-ocr-fra", "tesseract-ocr-eng", "poppler-utils"} {
		if !slices.Contains(strings.Fields(install), pkg) {
			t.Errorf("worker stage does not install %s", pkg)
		}
	}
	if u := w.user(); !numericNonRoot.MatchString(u) || !strings.HasPrefix(u, "65532") {
		t.Errorf("worker stage USER %q, want the numeric non-root 65532:65532 (runAsNonRoot can only verify numbers)", u)
	}
	if env := w.args("ENV"); !strings.Contains(env, "TMPDIR=/tmp") {
		t.Errorf("worker stage ENV %q: want TMPDIR=/tmp, the tmpfs/emptyDir of a read-only root file system", env)
	}
	if cmd := w.args("CMD"); !strings.Contains(cmd, `"assistant"`) || !strings.Contains(cmd, `"worker"`) {
		t.Errorf("worker stage CMD %q, want assistant worker", cmd)
	}
	last := stages[len(stages)-1]
	if !strings.Contains(last.Base, "distroless") || strings.Contains(last.args("RUN"), "tesseract") {
		t.Errorf("the default (last) stage FROM %s must stay the minimal distroless assistant image", last.Base)
	}
}

// TestDockerfilePinsAndVersions: no base image floats (no latest, a tag and
// a digest), both runtime images carry the version (ldflags and the OCI
// label) and a health check that needs no shell.
func TestDockerfilePinsAndVersions(t *testing.T) {
	t.Parallel()
	stages := loadStages(t)
	named := map[string]bool{}
	for _, s := range stages {
		if named[s.Base] {
			continue // FROM an earlier stage
		}
		named[s.Name] = true
		image, digest, _ := strings.Cut(s.Base, "@")
		tag := image[strings.LastIndex(image, ":")+1:]
		if !strings.Contains(image, ":") || tag == "latest" || strings.Contains(tag, "/") {
			t.Errorf("FROM %s: want an explicit tag, not latest", s.Base)
		}
		if !regexp.MustCompile(`^sha256:[0-9a-f]{64}$`).MatchString(digest) {
			t.Errorf("FROM %s: want it pinned by digest (@sha256:...)", s.Base)
		}
	}
	build := mustStage(t, stages, "build")
	if run := build.args("RUN"); !strings.Contains(run, "-X main.version=${VERSION}") {
		t.Errorf("build stage: go build must stamp -X main.version=${VERSION}, got %q", run)
	}
	for _, name := range []string{"worker", "assistant"} {
		s := mustStage(t, stages, name)
		if !strings.Contains(s.args("LABEL"), `org.opencontainers.image.version="${VERSION}"`) {
			t.Errorf("stage %s: no LABEL org.opencontainers.image.version=\"${VERSION}\"", name)
		}
		if hc := s.args("HEALTHCHECK"); !strings.Contains(hc, `CMD ["/usr/local/bin/assistant", "healthcheck"`) {
			t.Errorf("stage %s: HEALTHCHECK %q, want the exec form of assistant healthcheck (no shell)", name, hc)
		}
		if !numericNonRoot.MatchString(s.user()) {
			t.Errorf("stage %s: USER %q, want a numeric non-root uid:gid", name, s.user())
		}
	}
}
