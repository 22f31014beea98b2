package deploy_test

import (
	"bufio"
	"os"
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
