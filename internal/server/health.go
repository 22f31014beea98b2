package server

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/civitas-eu/civitas/internal/inference"
	"github.com/civitas-eu/civitas/internal/ollama"
)

// healthz says the process is alive; it checks nothing else, so that an
// orchestrator does not restart the assistant when a dependency is down.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, r, http.StatusOK, map[string]string{"status": "ok"})
}

// Modes the assistant can answer in, from best to worst.
const (
	ModeFull    = "full"    // retrieval with vectors and text, generated answers
	ModeLexical = "lexical" // no embedding model: text retrieval only
	ModeSearch  = "search"  // no chat model or Ollama down: passages, no generated text
)

type componentStatus struct {
	OK     bool   `json:"ok"`
	Detail string `json:"detail,omitempty"`
	Digest string `json:"digest,omitempty"`
}

type readiness struct {
	Status     string          `json:"status"` // "ready", "unavailable" or "draining"
	Mode       string          `json:"mode"`
	Database   componentStatus `json:"database"`
	Ollama     componentStatus `json:"ollama"`
	ChatModel  componentStatus `json:"chat_model"`
	EmbedModel componentStatus `json:"embed_model"`
	Version    string          `json:"version,omitempty"`
	Prompts    string          `json:"prompt_version,omitempty"`
	// Endpoints are where the assistant connects, as the egress guard
	// accepted them.
	Endpoints map[string]string `json:"endpoints,omitempty"`
	// Hosts are the chat and embedding hosts, each up or out of rotation
	// (with its last error and next probe), when the backend reports them.
	Hosts []inference.HostState `json:"hosts,omitempty"`
}

// roleBackend is a ModelBackend with separate chat and embedding
// backends; *inference.Set implements it. Readiness then asks each model
// of its own backend.
type roleBackend interface {
	ModelBackend
	States() []inference.HostState
	ShowChat(ctx context.Context, model string) (ollama.ModelInfo, error)
	ShowEmbed(ctx context.Context, model string) (ollama.ModelInfo, error)
}

// readyz tells a load balancer whether the assistant can serve: 200
// {"status":"ready"} or 503 {"status":"unavailable"}, nothing else. It is
// open to anyone, so it names no endpoint, model or version; those are in
// readinessDetail, on the operator's listener and for admins. Ready means
// the database answers (without models the assistant still serves search
// results); the answer is reused for a second, so that anonymous callers
// cannot turn it into a flood of database pings.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	status, code := "ready", http.StatusOK
	if s.Draining() || !s.dbUp(r.Context()) {
		status, code = "unavailable", http.StatusServiceUnavailable
		w.Header().Set("Retry-After", retryAfterSeconds(unavailableRetryAfter))
	}
	writeJSON(w, r, code, map[string]string{"status": status})
}

// dbUp reports whether the database answered a ping within the last
// second, pinging when the last answer is older; one ping at a time.
func (s *Server) dbUp(ctx context.Context) bool {
	c := &s.ready
	c.mu.Lock()
	defer c.mu.Unlock()
	if time.Since(c.at) < time.Second {
		return c.up
	}
	pctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	err := s.db.Ping(pctx)
	if err != nil && ctx.Err() != nil {
		return false // the caller left; not the database's answer
	}
	if err != nil {
		s.log.Warn("readiness: database does not answer", "err", err)
	}
	c.up, c.at = err == nil, time.Now()
	return c.up
}

// readyCache is the last answer of dbUp.
type readyCache struct {
	mu sync.Mutex
	at time.Time
	up bool
}

// status tells a signed-in user whether the assistant is ready and in
// which mode it answers, for the pages' search-mode and lexical banners.
func (s *Server) status(w http.ResponseWriter, r *http.Request) {
	rd := s.readiness(r)
	writeJSON(w, r, readinessCode(rd), map[string]string{"status": rd.Status, "mode": rd.Mode})
}

// readinessDetail is the whole readiness: mode, each component, the models,
// versions and endpoints. It is 503 only when the database is down:
// without models the assistant still serves search results, and says so.
func (s *Server) readinessDetail(w http.ResponseWriter, r *http.Request) {
	rd := s.readiness(r)
	writeJSON(w, r, readinessCode(rd), rd)
}

func (s *Server) readiness(r *http.Request) readiness {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	return s.checkReadiness(ctx)
}

func readinessCode(rd readiness) int {
	if rd.Status != "ready" {
		return http.StatusServiceUnavailable
	}
	return http.StatusOK
}

func (s *Server) checkReadiness(ctx context.Context) readiness {
	rd := readiness{Version: s.cfg.Version, Prompts: s.cfg.PromptVersion, Endpoints: s.cfg.Endpoints}
	if err := s.db.Ping(ctx); err != nil {
		s.log.Warn("readiness: database does not answer", "err", err)
		rd.Database = componentStatus{Detail: "database does not answer"}
	} else {
		rd.Database = componentStatus{OK: true}
	}
	rd.Ollama = componentStatus{OK: true, Detail: s.models.URL()}
	chat, embed := s.activeModels()
	showChat, showEmbed := s.models.Show, s.models.Show
	if rb, ok := s.models.(roleBackend); ok {
		showChat, showEmbed = rb.ShowChat, rb.ShowEmbed
	}
	rd.ChatModel = s.checkModel(ctx, chat, showChat, &rd.Ollama)
	rd.EmbedModel = s.checkModel(ctx, embed, showEmbed, &rd.Ollama)
	if rb, ok := s.models.(roleBackend); ok {
		rd.Hosts = rb.States() // after the checks, which update them
	}
	switch {
	case !rd.ChatModel.OK:
		rd.Mode = ModeSearch
	case !rd.EmbedModel.OK:
		rd.Mode = ModeLexical
	default:
		rd.Mode = ModeFull
	}
	rd.Status = "ready"
	switch {
	case s.Draining():
		rd.Status = "draining" // stopping: no new requests (drain.go)
	case !rd.Database.OK:
		rd.Status = "unavailable"
	}
	return rd
}

func (s *Server) checkModel(ctx context.Context, name string, show func(context.Context, string) (ollama.ModelInfo, error), server *componentStatus) componentStatus {
	info, err := show(ctx, name)
	switch {
	case err == nil:
		return componentStatus{OK: true, Detail: name, Digest: info.Digest}
	case errors.Is(err, ollama.ErrModelNotFound):
		return componentStatus{Detail: name + " is not installed"}
	case errors.Is(err, ollama.ErrUnavailable):
		*server = componentStatus{Detail: s.models.URL() + " does not answer"}
		return componentStatus{Detail: name + ": no host of its backend answers"}
	default:
		s.log.Warn("readiness: model check failed", "model", name, "err", err)
		return componentStatus{Detail: name + ": check failed"}
	}
}
