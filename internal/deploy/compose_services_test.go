package deploy_test

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

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
