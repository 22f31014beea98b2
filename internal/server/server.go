// Package server is the assistant's HTTP layer: the route table, middleware
// and handlers. Handlers decode and validate requests, call the services
// they are given, and write every reply through one place (respond.go), so
// internal errors are logged once and never reach the client.
package server

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/civitas-eu/civitas/internal/ollama"
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

// Config is what the server is told at start-up.
type Config struct {
	ChatModel  string
	EmbedModel string
	Version    string
	// PromptVersion identifies the prompt templates in force.
	PromptVersion string
}

// Server holds the dependencies of the handlers.
type Server struct {
	cfg    Config
	log    *slog.Logger
	db     Pinger
	models ModelBackend
}

// New returns a Server. Nothing is started until its Handler is served.
func New(cfg Config, log *slog.Logger, db Pinger, models ModelBackend) *Server {
	return &Server{cfg: cfg, log: log, db: db, models: models}
}

// Handler returns the full route table wrapped in the middleware every
// request goes through.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	return s.logRequests(mux)
}

// logRequests logs one line per request with its status and duration.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		s.log.LogAttrs(r.Context(), slog.LevelDebug, "http request",
			slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.Int("status", rec.status), slog.Duration("duration", time.Since(start)))
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
