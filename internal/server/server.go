// Package server is the assistant's HTTP layer: the route table, middleware
// and handlers. Handlers decode and validate requests, call the services
// they are given, and write every reply through one place (respond.go and
// errors.go), so internal errors are logged once and never reach the
// client.
package server

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/civitas-eu/civitas/internal/answer"
	"github.com/civitas-eu/civitas/internal/auth"
	"github.com/civitas-eu/civitas/internal/models"
	"github.com/civitas-eu/civitas/internal/ollama"
	"github.com/civitas-eu/civitas/internal/store"
)

// Pinger reports whether the database answers.
type Pinger interface {
	Ping(ctx context.Context) error
}

// ModelBackend is what the server needs to know about Ollama to report
// readiness. Show returns ollama.ErrModelNotFound for a missing model and
// ollama.ErrUnavailable when the server cannot be reached.
type ModelBackend interface {
	Show(ctx context.Context, model string) (ollama.ModelInfo, error)
	URL() string
}

var _ ModelBackend = (*ollama.Client)(nil)

// Answerer answers a question, emitting sources, tokens and a final done
// event; *answer.Service implements it. It returns an error only for
// failures the client did not get as an event.
type Answerer interface {
	Answer(ctx context.Context, req answer.Request, emit func(answer.Event) error) (answer.Done, error)
}

var _ Answerer = (*answer.Service)(nil)

// Config is what the server is told at start-up.
type Config struct {
	ChatModel  string
	EmbedModel string
	Version    string
	// PromptVersion identifies the prompt templates in force.
	PromptVersion string
	Auth          auth.Config
}

// Server holds the dependencies of the handlers.
type Server struct {
	cfg      Config
	log      *slog.Logger
	db       Pinger
	models   ModelBackend
	store    *store.Store
	answerer Answerer
	metrics  *metrics
	// active names the models in force, read per request; nil: cfg's.
	active     ActiveModels
	modelAdmin *models.Service
}

// ActiveModels names the chat and embedding models in force;
// *models.Active implements it.
type ActiveModels interface {
	ActiveModels() (chat, embed string)
}

// Deps are the services the handlers call.
type Deps struct {
	DB       Pinger
	Models   ModelBackend
	Store    *store.Store
	Answerer Answerer
	// Active, when set, names the models readiness checks instead of
	// Config's (they change at runtime).
	Active ActiveModels
	// ModelAdmin serves the admin model routes; nil answers them 503.
	ModelAdmin *models.Service
}

// New returns a Server. Nothing is started until its Handler is served.
func New(cfg Config, log *slog.Logger, d Deps) *Server {
	return &Server{cfg: cfg, log: log, db: d.DB, models: d.Models, store: d.Store, answerer: d.Answerer, metrics: newMetrics(),
		active: d.Active, modelAdmin: d.ModelAdmin}
}

// Handler returns the full route table wrapped in the middleware every
// request goes through. Every route is listed here, in one place.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.HandleFunc("GET /metrics", s.serveMetrics)

	// The /api routes need a caller; each is wrapped visibly.
	authed := func(h http.HandlerFunc) http.Handler { return s.authenticate(h) }
	mux.Handle("POST /api/chat", authed(s.chat))
	mux.Handle("GET /api/conversations", authed(s.listConversations))
	mux.Handle("GET /api/conversations/{id}", authed(s.getConversation))
	mux.Handle("GET /api/documents/{id}", authed(s.getDocument))
	mux.Handle("GET /api/documents/{id}/file", authed(s.getDocumentFile))

	admin := func(h http.HandlerFunc) http.Handler { return s.authenticate(s.requireGroup(auth.GroupAdmin, h)) }
	mux.Handle("GET /api/admin/models", admin(s.listModels))
	mux.Handle("POST /api/admin/models/pull", admin(s.pullModel))
	mux.Handle("POST /api/admin/models/import", admin(s.importModel))
	mux.Handle("DELETE /api/admin/models/{name}", admin(s.removeModel))
	mux.Handle("POST /api/admin/models/chat", admin(s.useChatModel))
	mux.Handle("POST /api/admin/models/embed", admin(s.useEmbedModel))
	mux.Handle("DELETE /api/admin/models/{name}/embeddings", admin(s.dropEmbeddings))

	return s.instrument(securityHeaders(s.crossOriginGuard(mux)))
}

// authenticate puts the caller into the request context, or rejects the
// request when no identity can be established.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, err := s.cfg.Auth.Identify(r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(auth.NewContext(r.Context(), u)))
	})
}

// instrument counts and times every request, and logs it at debug level.
func (s *Server) instrument(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		route := r.Pattern
		if route == "" {
			route = "unmatched"
		}
		d := time.Since(start)
		s.metrics.add("civitas_http_requests_total", 1, "route", route, "method", r.Method, "status", http.StatusText(rec.status))
		s.metrics.observe("civitas_http_request_duration_seconds", d, "route", route)
		s.log.LogAttrs(r.Context(), slog.LevelDebug, "http request",
			slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.Int("status", rec.status), slog.Duration("duration", d))
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

// Flush lets streamed replies through the recorder.
func (r *statusRecorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the real writer.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// user returns the caller; the authenticate middleware guarantees one.
func user(r *http.Request) auth.User {
	u, _ := auth.FromContext(r.Context())
	return u
}
